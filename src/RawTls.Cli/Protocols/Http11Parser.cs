using System.Buffers;
using System.Diagnostics;

namespace RawTls.Cli.Protocols;

/// <summary>
/// A strict HTTP/1.1 request-head parser over a <see cref="ReadOnlySequence{T}"/> (any segmentation).
/// Strict on purpose: lines end in CRLF (a bare LF is a 400), no obsolete line folding, no whitespace
/// before the colon, Content-Length is digits only and duplicates must agree, an HTTP/1.1 request carries exactly
/// one Host (RFC 9112 §3.2; HTTP/1.0 at most one). It allocates nothing: a head split across segments is parsed
/// from a copy in a pooled array.
/// </summary>
internal static class Http11Parser
{
    private const byte CR = (byte)'\r';
    private const byte LF = (byte)'\n';

    public static HttpParseStatus TryParse(in ReadOnlySequence<byte> buffer, Http11ResponderOptions options, out HttpRequestHead head, out SequencePosition end)
    {
        end = buffer.Start;
        ReadOnlySpan<byte> bytes = buffer.FirstSpan;
        byte[]? rented = null;
        if (!buffer.IsSingleSegment)
        {
            // A head split across pipe segments (rare: a request larger than a segment, or pipelined across a boundary)
            // is parsed from a pooled copy of the bytes that can decide it: a request line of at most the limit, its LF,
            // and headers of at most their limit plus one byte, so every verdict is the one the whole buffer would give.
            int decisive = (int)Math.Min(buffer.Length, (long)options.MaxRequestLineBytes + 1 + options.MaxHeaderBytes + 1);
            rented = ArrayPool<byte>.Shared.Rent(decisive);
            buffer.Slice(0, decisive).CopyTo(rented);
            bytes = rented.AsSpan(0, decisive);
        }

        try
        {
            HttpParseStatus status = TryParse(bytes, options, out head, out int consumed);
            Debug.Assert(status != HttpParseStatus.NeedMoreData || bytes.Length == buffer.Length, "the decisive prefix always decides");
            if (status == HttpParseStatus.Complete)
            {
                end = buffer.GetPosition(consumed);
            }

            return status;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The same grammar over contiguous bytes; <paramref name="consumed"/> is the head's length when complete.</summary>
    internal static HttpParseStatus TryParse(ReadOnlySpan<byte> buffer, Http11ResponderOptions options, out HttpRequestHead head, out int consumed)
    {
        head = default;
        consumed = 0;
        int lf = buffer.IndexOf(LF);
        if (lf < 0)
        {
            return buffer.Length > options.MaxRequestLineBytes ? HttpParseStatus.UriTooLong : HttpParseStatus.NeedMoreData;
        }

        if (lf > options.MaxRequestLineBytes)
        {
            return HttpParseStatus.UriTooLong;
        }

        HttpParseStatus status = ParseRequestLine(buffer[..lf], ref head);
        if (status != HttpParseStatus.Complete)
        {
            return status;
        }

        int headersStart = lf + 1;
        int at = headersStart;
        var flags = default(HeaderFlags);
        while (true)
        {
            ReadOnlySpan<byte> rest = buffer[at..];
            lf = rest.IndexOf(LF);
            if (lf < 0)
            {
                return buffer.Length - headersStart > options.MaxHeaderBytes ? HttpParseStatus.HeadersTooLarge : HttpParseStatus.NeedMoreData;
            }

            ReadOnlySpan<byte> line = rest[..lf];
            at += lf + 1;
            if (at - headersStart > options.MaxHeaderBytes)
            {
                return HttpParseStatus.HeadersTooLarge;
            }

            if (line.Length == 1 && line[0] == CR)
            {
                break; // the empty line ending the head
            }

            status = ParseHeader(line, ref head, ref flags);
            if (status != HttpParseStatus.Complete)
            {
                return status;
            }
        }

        if (flags.Hosts > 1 || (flags.Hosts == 0 && !head.IsHttp10))
        {
            return HttpParseStatus.BadRequest; // RFC 9112 §3.2: a missing or repeated Host is a 400
        }

        if (flags.TransferEncoding)
        {
            // Both framings at once is a smuggling vector; chunked bodies alone are simply not supported here.
            return flags.ContentLength ? HttpParseStatus.BadRequest : HttpParseStatus.NotImplemented;
        }

        consumed = at;
        return HttpParseStatus.Complete;
    }

    /// <summary>Parses <c>METHOD SP target SP HTTP/1.x CR</c> (the LF is already cut off).</summary>
    internal static HttpParseStatus ParseRequestLine(ReadOnlySpan<byte> line, ref HttpRequestHead head)
    {
        if (line.Length == 0 || line[^1] != CR)
        {
            return HttpParseStatus.BadRequest;
        }

        line = line[..^1];
        int sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0 || !IsToken(line[..sp1]))
        {
            return HttpParseStatus.BadRequest;
        }

        ReadOnlySpan<byte> method = line[..sp1];
        ReadOnlySpan<byte> rest = line[(sp1 + 1)..];
        int sp2 = rest.IndexOf((byte)' ');
        if (sp2 <= 0)
        {
            return HttpParseStatus.BadRequest;
        }

        ReadOnlySpan<byte> target = rest[..sp2];
        ReadOnlySpan<byte> version = rest[(sp2 + 1)..];
        foreach (byte b in target)
        {
            if (b <= 0x20 || b == 0x7F)
            {
                return HttpParseStatus.BadRequest;
            }
        }

        if (version.SequenceEqual("HTTP/1.1"u8))
        {
            head.IsHttp10 = false;
        }
        else if (version.SequenceEqual("HTTP/1.0"u8))
        {
            head.IsHttp10 = true;
        }
        else
        {
            return HttpParseStatus.BadRequest;
        }

        head.IsHead = method.SequenceEqual("HEAD"u8);
        head.Route = target.SequenceEqual("/whoami"u8) ? HttpRoute.WhoAmI : target.SequenceEqual("/ready"u8) ? HttpRoute.Ready : HttpRoute.Default;
        return HttpParseStatus.Complete;
    }

    /// <summary>Parses <c>name ":" OWS value OWS CR</c>, recording the headers that change framing.</summary>
    internal static HttpParseStatus ParseHeader(ReadOnlySpan<byte> line, ref HttpRequestHead head, ref HeaderFlags flags)
    {
        if (line.Length == 0 || line[^1] != CR)
        {
            return HttpParseStatus.BadRequest;
        }

        line = line[..^1];
        int colon = line.IndexOf((byte)':');
        if (colon <= 0 || !IsToken(line[..colon]))
        {
            return HttpParseStatus.BadRequest; // no name, or whitespace/folding before the colon
        }

        ReadOnlySpan<byte> name = line[..colon];
        ReadOnlySpan<byte> value = line[(colon + 1)..].Trim(" \t"u8);
        foreach (byte b in value)
        {
            if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
            {
                return HttpParseStatus.BadRequest;
            }
        }

        if (EqualsIgnoreCase(name, "content-length"u8))
        {
            if (!TryParseContentLength(value, out long length) || (flags.ContentLength && length != head.ContentLength))
            {
                return HttpParseStatus.BadRequest;
            }

            flags.ContentLength = true;
            head.ContentLength = length;
        }
        else if (EqualsIgnoreCase(name, "host"u8))
        {
            flags.Hosts++;
        }
        else if (EqualsIgnoreCase(name, "transfer-encoding"u8))
        {
            flags.TransferEncoding = true;
        }
        else if (EqualsIgnoreCase(name, "connection"u8))
        {
            while (!value.IsEmpty)
            {
                int comma = value.IndexOf((byte)',');
                ReadOnlySpan<byte> token = (comma < 0 ? value : value[..comma]).Trim(" \t"u8);
                value = comma < 0 ? default : value[(comma + 1)..];
                if (EqualsIgnoreCase(token, "close"u8))
                {
                    head.ConnectionClose = true;
                }
                else if (EqualsIgnoreCase(token, "keep-alive"u8))
                {
                    head.ConnectionKeepAlive = true;
                }
            }
        }

        return HttpParseStatus.Complete;
    }

    private static bool TryParseContentLength(ReadOnlySpan<byte> value, out long length)
    {
        length = 0;
        if (value.IsEmpty || value.Length > 18)
        {
            return false; // 18 digits cannot overflow a long
        }

        foreach (byte b in value)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            length = (length * 10) + (b - '0');
        }

        return true;
    }

    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> lowerAscii)
    {
        if (value.Length != lowerAscii.Length)
        {
            return false;
        }

        for (int i = 0; i < value.Length; i++)
        {
            if ((value[i] | 0x20) != lowerAscii[i])
            {
                return false;
            }
        }

        return true;
    }

    // RFC 9110 tchar: "!#$%&'*+-.^_`|~" DIGIT ALPHA
    private static readonly SearchValues<byte> s_tchar = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    private static bool IsToken(ReadOnlySpan<byte> span) => !span.IsEmpty && !span.ContainsAnyExcept(s_tchar);

    /// <summary>Framing headers seen so far in one head.</summary>
    internal struct HeaderFlags
    {
        public bool ContentLength;
        public bool TransferEncoding;
        public int Hosts;
    }
}
