using System.Buffers.Binary;
using System.Net.Sockets;

namespace RawTls.Server.Internal;

/// <summary>
/// The PROXY protocol header (HAProxy's spec, versions 1 and 2) as a pure function of the bytes received so far.
/// Strict where the spec is: exactly one space between v1 fields, no leading zeros, CRLF and nothing else ends the
/// line, v2 version 2 and commands LOCAL/PROXY only, lengths must hold what they announce. It allocates nothing.
/// </summary>
internal static class ProxyHeaderParser
{
    /// <summary>The longest v1 line, CRLF included.</summary>
    public const int MaxV1Length = 107;

    /// <summary>The fixed part of a v2 header.</summary>
    public const int V2FixedLength = 16;

    private const byte TlvAlpn = 0x01;
    private const byte TlvAuthority = 0x02;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ReadOnlySpan<byte> V1Signature => "PROXY "u8;

    /// <summary>
    /// Parses the header at the start of <paramref name="input"/>. On <see cref="ProxyParseStatus.Complete"/>,
    /// <paramref name="consumed"/> is its length; on <see cref="ProxyParseStatus.NeedMoreData"/> every byte of the input
    /// belongs to the header, so a reader may consume them all and wait for more.
    /// </summary>
    public static ProxyParseStatus TryParse(ReadOnlySpan<byte> input, ProxyProtocolMode mode, int maxBytes, out ProxyHeader header, out int consumed)
    {
        header = default;
        header.AlpnLength = -1;
        header.AuthorityLength = -1;
        consumed = 0;
        if (input.IsEmpty)
        {
            return ProxyParseStatus.NeedMoreData;
        }

        if (input[0] == V2Signature[0])
        {
            if (!IsPrefix(input, V2Signature))
            {
                return ProxyParseStatus.NotProxyProtocol;
            }

            if (input.Length >= V2Signature.Length && mode is not (ProxyProtocolMode.V2 or ProxyProtocolMode.Any))
            {
                return ProxyParseStatus.VersionNotAllowed;
            }

            return ParseV2(input, maxBytes, ref header, out consumed);
        }

        if (input[0] == V1Signature[0])
        {
            if (!IsPrefix(input, V1Signature))
            {
                return ProxyParseStatus.NotProxyProtocol;
            }

            if (input.Length >= V1Signature.Length && mode is not (ProxyProtocolMode.V1 or ProxyProtocolMode.Any))
            {
                return ProxyParseStatus.VersionNotAllowed;
            }

            return ParseV1(input, maxBytes, ref header, out consumed);
        }

        return ProxyParseStatus.NotProxyProtocol;
    }

    /// <summary>True when the shorter of the two is a prefix of the other.</summary>
    private static bool IsPrefix(ReadOnlySpan<byte> input, ReadOnlySpan<byte> signature)
    {
        int n = Math.Min(input.Length, signature.Length);
        return input[..n].SequenceEqual(signature[..n]);
    }

    private static ProxyParseStatus ParseV2(ReadOnlySpan<byte> input, int maxBytes, ref ProxyHeader header, out int consumed)
    {
        consumed = 0;
        if (input.Length > 12 && (input[12] >> 4 != 2 || (input[12] & 0x0F) > 1))
        {
            return ProxyParseStatus.Malformed; // version must be 2, command LOCAL (0) or PROXY (1)
        }

        if (input.Length < V2FixedLength)
        {
            return ProxyParseStatus.NeedMoreData;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(input[14..]);
        int total = V2FixedLength + length;
        if (total > maxBytes)
        {
            return ProxyParseStatus.TooLarge;
        }

        if (input.Length < total)
        {
            return ProxyParseStatus.NeedMoreData;
        }

        header.Version = 2;
        if ((input[12] & 0x0F) == 0)
        {
            header.IsLocal = true; // LOCAL: the balancer's own connection; the block is skipped, whatever it holds
            consumed = total;
            return ProxyParseStatus.Complete;
        }

        int family = input[13] >> 4, transport = input[13] & 0x0F;
        if (family > 3 || transport > 2)
        {
            return ProxyParseStatus.Malformed;
        }

        int addressLength = family switch { 1 => 12, 2 => 36, 3 => 216, _ => 0 };
        if (length < addressLength)
        {
            return ProxyParseStatus.Malformed; // the length cannot hold the addresses it announces
        }

        ReadOnlySpan<byte> block = input.Slice(V2FixedLength, addressLength);
        if (transport == 1 && family is 1 or 2)
        {
            int size = family == 1 ? 4 : 16;
            header.Family = family == 1 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
            block[..size].CopyTo(header.Source);
            block.Slice(size, size).CopyTo(header.Destination);
            header.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(block[(2 * size)..]);
            header.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(block[((2 * size) + 2)..]);
        }
        else
        {
            header.IsLocal = true; // UNSPEC, UDP or UNIX: the spec lets a receiver fall back to the real addresses
        }

        // UNSPEC has no known address size, so no TLV boundary: its block is skipped whole.
        if (family != 0 && !ParseTlvs(input[(V2FixedLength + addressLength)..total], V2FixedLength + addressLength, ref header))
        {
            return ProxyParseStatus.Malformed;
        }

        consumed = total;
        return ProxyParseStatus.Complete;
    }

    private static bool ParseTlvs(ReadOnlySpan<byte> tlvs, int offset, ref ProxyHeader header)
    {
        int at = 0;
        while (at < tlvs.Length)
        {
            if (tlvs.Length - at < 3)
            {
                return false;
            }

            byte type = tlvs[at];
            int length = BinaryPrimitives.ReadUInt16BigEndian(tlvs[(at + 1)..]);
            if (tlvs.Length - at - 3 < length)
            {
                return false; // a TLV running past the header
            }

            int valueOffset = offset + at + 3;
            if (type == TlvAlpn && header.AlpnLength < 0)
            {
                header.AlpnOffset = valueOffset;
                header.AlpnLength = length;
            }
            else if (type == TlvAuthority && header.AuthorityLength < 0)
            {
                header.AuthorityOffset = valueOffset;
                header.AuthorityLength = length;
            }

            at += 3 + length;
        }

        return true;
    }

    private static ProxyParseStatus ParseV1(ReadOnlySpan<byte> input, int maxBytes, ref ProxyHeader header, out int consumed)
    {
        consumed = 0;
        int limit = Math.Min(MaxV1Length, maxBytes);
        ReadOnlySpan<byte> window = input[..Math.Min(input.Length, limit)];
        int lf = window.IndexOf((byte)'\n');
        int cr = window.IndexOf((byte)'\r');
        if (lf < 0)
        {
            if (cr >= 0 && cr < window.Length - 1)
            {
                return ProxyParseStatus.Malformed; // a CR not followed by LF
            }

            return input.Length >= limit ? ProxyParseStatus.TooLarge : ProxyParseStatus.NeedMoreData;
        }

        if (cr != lf - 1)
        {
            return ProxyParseStatus.Malformed; // a bare LF, or a CR inside the line
        }

        ReadOnlySpan<byte> line = input[V1Signature.Length..cr];
        header.Version = 1;
        if (line.StartsWith("UNKNOWN"u8) && (line.Length == 7 || line[7] == (byte)' '))
        {
            header.IsLocal = true; // the rest of the line is to be ignored
            consumed = lf + 1;
            return ProxyParseStatus.Complete;
        }

        bool v4;
        if (line.StartsWith("TCP4 "u8))
        {
            v4 = true;
        }
        else if (line.StartsWith("TCP6 "u8))
        {
            v4 = false;
        }
        else
        {
            return ProxyParseStatus.Malformed;
        }

        line = line[5..];
        if (!NextField(ref line, out ReadOnlySpan<byte> source) || !NextField(ref line, out ReadOnlySpan<byte> destination)
            || !NextField(ref line, out ReadOnlySpan<byte> sourcePort) || line.IsEmpty || line.IndexOf((byte)' ') >= 0)
        {
            return ProxyParseStatus.Malformed;
        }

        bool addresses = v4
            ? ProxyTextAddress.TryParseIPv4(source, header.Source) && ProxyTextAddress.TryParseIPv4(destination, header.Destination)
            : ProxyTextAddress.TryParseIPv6(source, header.Source) && ProxyTextAddress.TryParseIPv6(destination, header.Destination);
        if (!addresses || !ProxyTextAddress.TryParsePort(sourcePort, out header.SourcePort) || !ProxyTextAddress.TryParsePort(line, out header.DestinationPort))
        {
            return ProxyParseStatus.Malformed;
        }

        header.Family = v4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        consumed = lf + 1;
        return ProxyParseStatus.Complete;
    }

    /// <summary>Cuts the text up to the next single space; false when there is none or the field is empty.</summary>
    private static bool NextField(ref ReadOnlySpan<byte> line, out ReadOnlySpan<byte> field)
    {
        int sp = line.IndexOf((byte)' ');
        field = sp > 0 ? line[..sp] : default;
        if (sp <= 0)
        {
            return false;
        }

        line = line[(sp + 1)..];
        return true;
    }
}
