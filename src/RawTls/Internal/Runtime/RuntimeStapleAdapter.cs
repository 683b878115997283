using System.Net.Security;
using System.Runtime.CompilerServices;

namespace RawTls.Internal.Runtime;

/// <summary>
/// The one place that touches the runtime's staple fields. .NET has no public API to give
/// <see cref="SslStreamCertificateContext"/> staple bytes, so this sets the private OCSP fields of a
/// <em>fresh, unpublished</em> context made with <c>offline: true</c>:
/// <list type="bullet">
/// <item><c>_staplingForbidden</c> = false and <c>_ocspUrls</c> non-null, so the native SSL_CTX gets the OCSP
/// callback and each handshake asks the context for a staple;</item>
/// <item><c>_ocspResponse</c> / <c>_ocspExpiration</c> = our validated bytes and the instant to stop sending them;</item>
/// <item><c>_nextDownload</c> = max, and <c>_pendingDownload</c> = a task that never completes, so the runtime
/// never fetches by itself and, after <c>_ocspExpiration</c>, returns nothing rather than a stale staple.</item>
/// </list>
/// Writes to a live context could tear (<see cref="DateTimeOffset"/> fields), which is why contexts are
/// bound once, before publication, and never touched again. <c>StapleAdapterCheck</c> proves at
/// startup, with a real handshake, that the runtime sends exactly the bound bytes.
/// <para>
/// Platform: these fields exist only in the Linux (OpenSSL) implementation of <see cref="SslStreamCertificateContext"/>.
/// On other systems <see cref="IsSupportedPlatform"/> is false and stapling goes straight to the checked fallback
/// (the runtime's own fetching, verified by a probe handshake) with one log line, without a failing probe first.
/// </para>
/// </summary>
internal static class RuntimeStapleAdapter
{
    // Completed never: the runtime treats it as "a download is in flight" and neither starts one nor
    // falls back to a stale response. Completing it (even with null) would let the runtime re-arm fetching.
    private static readonly Task<byte[]?> s_neverCompletes = new TaskCompletionSource<byte[]?>(TaskCreationOptions.RunContinuationsAsynchronously).Task;

    private static readonly List<string> s_placeholderUrls = ["http://127.0.0.1/rawtls-staple-owned-by-server"];

    /// <summary>True where the adapter's fields exist: the Linux implementation of the runtime's TLS.</summary>
    public static bool IsSupportedPlatform => OperatingSystem.IsLinux();

    /// <summary>Binds <paramref name="response"/> (or no staple) to a context that has not served a handshake yet.</summary>
    /// <exception cref="MissingFieldException">The runtime's private shape changed.</exception>
    public static void Bind(SslStreamCertificateContext context, byte[]? response, DateTimeOffset servedUntil)
    {
        StaplingForbidden(context) = false;
        OcspUrls(context) = s_placeholderUrls;
        PendingDownload(context) = s_neverCompletes;
        OcspResponse(context) = response;
        OcspExpiration(context) = response is null ? DateTimeOffset.MinValue : servedUntil;
        NextDownload(context) = DateTimeOffset.MaxValue;
    }

    /// <summary>True when every field the adapter needs exists with the expected type.</summary>
    public static bool ShapeMatches(SslStreamCertificateContext probeContext, out string? problem)
    {
        try
        {
            _ = StaplingForbidden(probeContext);
            _ = OcspUrls(probeContext);
            _ = PendingDownload(probeContext);
            _ = OcspResponse(probeContext);
            _ = OcspExpiration(probeContext);
            _ = NextDownload(probeContext);
            problem = null;
            return true;
        }
        catch (Exception ex) when (ex is MissingFieldException or MissingMemberException or BadImageFormatException or InvalidProgramException)
        {
            problem = ex.Message;
            return false;
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_staplingForbidden")]
    private static extern ref bool StaplingForbidden(SslStreamCertificateContext context);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_ocspUrls")]
    private static extern ref List<string>? OcspUrls(SslStreamCertificateContext context);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_pendingDownload")]
    private static extern ref Task<byte[]?>? PendingDownload(SslStreamCertificateContext context);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_ocspResponse")]
    private static extern ref byte[]? OcspResponse(SslStreamCertificateContext context);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_ocspExpiration")]
    private static extern ref DateTimeOffset OcspExpiration(SslStreamCertificateContext context);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_nextDownload")]
    private static extern ref DateTimeOffset NextDownload(SslStreamCertificateContext context);
}
