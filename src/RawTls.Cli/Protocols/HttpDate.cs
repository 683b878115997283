using System.Text;

namespace RawTls.Cli.Protocols;

/// <summary>
/// The current <c>Date</c> header value (RFC 9110 IMF-fixdate), re-encoded at most once per second by one
/// process-wide timer so that answering a request never formats a string.
/// </summary>
internal static class HttpDate
{
    private static byte[] s_value = Encode(DateTimeOffset.UtcNow);
    private static readonly ITimer s_timer = TimeProvider.System.CreateTimer(static _ => Volatile.Write(ref s_value, Encode(DateTimeOffset.UtcNow)), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

    /// <summary>29 ASCII bytes, e.g. <c>Thu, 26 Nov 2026 12:00:00 GMT</c>.</summary>
    public static ReadOnlySpan<byte> Value
    {
        get
        {
            GC.KeepAlive(s_timer);
            return Volatile.Read(ref s_value);
        }
    }

    private static byte[] Encode(DateTimeOffset now) => Encoding.ASCII.GetBytes(now.ToString("r", System.Globalization.CultureInfo.InvariantCulture));
}
