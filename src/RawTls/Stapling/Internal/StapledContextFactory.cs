using System.Net.Security;
using RawTls.Certificates;
using RawTls.Internal.Runtime;
using RawTls.Ocsp;

namespace RawTls.Stapling.Internal;

/// <summary>Builds stapled certificate contexts; every context for one chain is made the same way.</summary>
internal static class StapledContextFactory
{
    /// <summary>
    /// A context that staples <paramref name="staple"/> (or nothing) until <paramref name="servedUntil"/> through the
    /// runtime adapter, or, with <paramref name="stapling"/> false, one that never staples. The runtime never fetches for either.
    /// </summary>
    public static StapledCertificateContext Create(CertificateBundle bundle, bool stapling, OcspStaple? staple, DateTimeOffset servedUntil, TimeProvider time, long version)
    {
        SslStreamCertificateContext context = RuntimeCertificateContext.Create(bundle);
        DateTimeOffset now = time.GetUtcNow();
        if (staple is null)
        {
            servedUntil = DateTimeOffset.MinValue;
        }

        if (stapling)
        {
            // The runtime compares with the real clock; carry our remaining lifetime over to it.
            DateTimeOffset runtimeUntil = staple is null ? DateTimeOffset.MinValue : DateTimeOffset.UtcNow + (servedUntil - now);
            RuntimeStapleAdapter.Bind(context, staple?.ResponseArray, runtimeUntil);
        }

        return new StapledCertificateContext(bundle, context, stapling ? staple : null, stapling ? servedUntil : DateTimeOffset.MinValue, version, now);
    }

    /// <summary>Wraps a runtime-fetching context (fallback path) whose staple a probe handshake has shown and validated.</summary>
    public static StapledCertificateContext FromRuntime(CertificateBundle bundle, SslStreamCertificateContext context, OcspStaple staple, DateTimeOffset servedUntil, TimeProvider time, long version)
        => new(bundle, context, staple, servedUntil, version, time.GetUtcNow());
}
