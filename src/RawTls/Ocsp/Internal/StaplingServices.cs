using RawTls.Certificates;
using RawTls.Diagnostics;

namespace RawTls.Ocsp.Internal;

/// <summary>What every <see cref="Stapler"/> of a server shares: clock, HTTP client, disk cache, metrics and logs.</summary>
internal sealed class StaplingServices(TimeProvider time, OcspClient client, StapleCache? cache, RawTlsMetrics metrics, StaplingLog log, CertificateBundle? fallback, bool adapterActive)
{
    public TimeProvider Time { get; } = time;

    public OcspClient Client { get; } = client;

    public StapleCache? Cache { get; } = cache;

    public RawTlsMetrics Metrics { get; } = metrics;

    public StaplingLog Log { get; } = log;

    public CertificateBundle? Fallback { get; } = fallback;

    /// <summary>False when the startup check failed: staples then come from the runtime's own fetching, verified by probe.</summary>
    public bool AdapterActive { get; } = adapterActive;
}
