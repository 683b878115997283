using System.Buffers.Binary;

namespace RawTls.Server.Internal;

/// <summary>The text fields of a v1 PROXY line, parsed strictly and without allocating.</summary>
internal static class ProxyTextAddress
{
    /// <summary>Decimal 0..65535, no sign, no leading zero.</summary>
    internal static bool TryParsePort(ReadOnlySpan<byte> text, out ushort port)
    {
        port = 0;
        if (!TryParseDecimal(text, 5, out int value) || value > ushort.MaxValue)
        {
            return false;
        }

        port = (ushort)value;
        return true;
    }

    /// <summary>Four decimal octets 0..255 separated by single dots, no leading zeros (they would read as octal elsewhere).</summary>
    internal static bool TryParseIPv4(ReadOnlySpan<byte> text, Span<byte> address)
    {
        for (int i = 0; i < 4; i++)
        {
            int dot = i < 3 ? text.IndexOf((byte)'.') : text.Length;
            if (dot < 0 || !TryParseDecimal(text[..dot], 3, out int octet) || octet > 255)
            {
                return false;
            }

            address[i] = (byte)octet;
            text = i < 3 ? text[(dot + 1)..] : default;
        }

        return true;
    }

    /// <summary>
    /// Eight groups of 1 to 4 hex digits separated by colons, one <c>::</c> standing for one or more zero groups, and an
    /// optional dotted IPv4 tail (how <c>inet_ntop</c> writes a mapped address). Exactly 128 bits.
    /// </summary>
    internal static bool TryParseIPv6(ReadOnlySpan<byte> text, Span<byte> address)
    {
        Span<ushort> groups = stackalloc ushort[8];
        int count = 0, gap = -1, at = 0;
        if (text.Length < 2)
        {
            return false;
        }

        if (text[0] == (byte)':')
        {
            if (text[1] != (byte)':')
            {
                return false;
            }

            gap = 0;
            at = 2;
        }

        while (at < text.Length)
        {
            ReadOnlySpan<byte> rest = text[at..];
            int colon = rest.IndexOf((byte)':');
            ReadOnlySpan<byte> token = colon < 0 ? rest : rest[..colon];
            if (colon < 0 && token.IndexOf((byte)'.') >= 0)
            {
                Span<byte> v4 = stackalloc byte[4];
                if (count > 6 || !TryParseIPv4(token, v4))
                {
                    return false;
                }

                groups[count++] = (ushort)((v4[0] << 8) | v4[1]);
                groups[count++] = (ushort)((v4[2] << 8) | v4[3]);
                break;
            }

            if (count == 8 || !TryParseHexGroup(token, out groups[count]))
            {
                return false;
            }

            count++;
            if (colon < 0)
            {
                break;
            }

            at += colon + 1;
            if (at < text.Length && text[at] == (byte)':')
            {
                if (gap >= 0)
                {
                    return false; // a second "::"
                }

                gap = count;
                at++;
            }
            else if (at == text.Length)
            {
                return false; // a trailing single colon
            }
        }

        if (gap < 0 ? count != 8 : count > 7)
        {
            return false;
        }

        address[..16].Clear();
        int tail = count - Math.Max(gap, 0);
        for (int i = 0; i < count; i++)
        {
            int slot = gap < 0 || i < gap ? i : 8 - tail + (i - gap);
            BinaryPrimitives.WriteUInt16BigEndian(address[(slot * 2)..], groups[i]);
        }

        return true;
    }

    private static bool TryParseHexGroup(ReadOnlySpan<byte> text, out ushort value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 4)
        {
            return false;
        }

        int v = 0;
        foreach (byte b in text)
        {
            int digit = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => -1,
            };
            if (digit < 0)
            {
                return false;
            }

            v = (v << 4) | digit;
        }

        value = (ushort)v;
        return true;
    }

    private static bool TryParseDecimal(ReadOnlySpan<byte> text, int maxDigits, out int value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > maxDigits || (text.Length > 1 && text[0] == (byte)'0'))
        {
            return false;
        }

        foreach (byte b in text)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }
}
