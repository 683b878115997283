using System.Globalization;
using System.Text;

namespace RawTls.DevPki;

/// <summary>The parsed request line and the few headers the OCSP responder cares about.</summary>
internal sealed class HttpRequestHead
{
    public string Method { get; private set; } = "";

    public string Target { get; private set; } = "";

    public bool Http11 { get; private set; }

    /// <summary>-1 when absent.</summary>
    public long ContentLength { get; private set; } = -1;

    public bool Chunked { get; private set; }

    public bool KeepAlive { get; private set; }

    public bool ExpectContinue { get; private set; }

    public string? ContentType { get; private set; }

    /// <summary>Index just past the blank line ending the head, or -1 if not yet complete.</summary>
    public static int FindEnd(ReadOnlySpan<byte> buffer)
    {
        int i = buffer.IndexOf("\r\n\r\n"u8);
        return i < 0 ? -1 : i + 4;
    }

    public static HttpRequestHead? TryParse(ReadOnlySpan<byte> head)
    {
        string text = Encoding.Latin1.GetString(head);
        string[] lines = text.Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || requestLine[0].Length == 0 || requestLine[1].Length == 0
            || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            return null;
        }

        var h = new HttpRequestHead
        {
            Method = requestLine[0],
            Target = requestLine[1],
            Http11 = requestLine[2] != "HTTP/1.0",
        };
        bool? keepAlive = null;
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Length == 0)
            {
                continue;
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return null;
            }

            string name = line[..colon].Trim();
            string value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long len)
                    || (h.ContentLength >= 0 && h.ContentLength != len))
                {
                    return null;
                }

                h.ContentLength = len;
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                h.Chunked = true;
            }
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                if (value.Contains("close", StringComparison.OrdinalIgnoreCase))
                {
                    keepAlive = false;
                }
                else if (value.Contains("keep-alive", StringComparison.OrdinalIgnoreCase))
                {
                    keepAlive ??= true;
                }
            }
            else if (name.Equals("Expect", StringComparison.OrdinalIgnoreCase))
            {
                h.ExpectContinue = value.Equals("100-continue", StringComparison.OrdinalIgnoreCase);
            }
            else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                h.ContentType = value;
            }
        }

        h.KeepAlive = keepAlive ?? h.Http11;
        return h;
    }
}
