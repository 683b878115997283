using System.Globalization;
using System.Text;

namespace RawTls.Cli.Protocols;

/// <summary>Settings of <see cref="Http11Responder"/>; the response bytes are encoded once, here.</summary>
internal sealed class Http11ResponderOptions
{
    /// <summary>The shared default: an 18-byte text body.</summary>
    public static readonly Http11ResponderOptions Default = new("Hello from RawTls\n"u8.ToArray());

    public Http11ResponderOptions(byte[] body, int maxRequestLineBytes = 8 * 1024, int maxHeaderBytes = 32 * 1024)
    {
        Body = body;
        MaxRequestLineBytes = maxRequestLineBytes;
        MaxHeaderBytes = maxHeaderBytes;
        // Everything but Date and Connection is fixed: pre-encode it.
        HeadersAfterDate = Encoding.ASCII.GetBytes(
            "\r\nContent-Type: text/plain\r\nContent-Length: " + body.Length.ToString(CultureInfo.InvariantCulture) + "\r\n");
    }

    /// <summary>Answers <c>GET /ready</c>; null: always ready.</summary>
    public IReadinessProbe? Readiness { get; init; }

    /// <summary>The body of every 200 answer.</summary>
    public byte[] Body { get; }

    /// <summary>A request line longer than this is answered 414 and the connection closed.</summary>
    public int MaxRequestLineBytes { get; }

    /// <summary>A header block larger than this is answered 431 and the connection closed.</summary>
    public int MaxHeaderBytes { get; }

    internal byte[] HeadersAfterDate { get; }
}
