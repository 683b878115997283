using RawTls.Certificates;
using RawTls.Diagnostics;
using RawTls.Ocsp;

namespace RawTls.Stapling.Internal;

/// <summary>What every <see cref="Stapler"/> of a certificate set shares: settings, clock, HTTP client, store, metrics and logs.</summary>
internal sealed class StaplingServices(
    StaplingOptions options,
    TimeProvider time,
    OcspClient client,
    StoreAccess? store,
    RawTlsMetrics metrics,
    StaplingLog log,
    CertificateBundle? fallback,
    bool adapterActive,
    Func<double> jitter)
{
    /// <summary>The validated copy of the stapling options.</summary>
    public StaplingOptions Options { get; } = options;

    public RefreshSettings Refresh { get; } = RefreshSettings.From(options);

    public TimeProvider Time { get; } = time;

    public OcspClient Client { get; } = client;

    public StoreAccess? Store { get; } = store;

    public RawTlsMetrics Metrics { get; } = metrics;

    public StaplingLog Log { get; } = log;

    public CertificateBundle? Fallback { get; } = fallback;

    /// <summary>False when the adapter is not used: staples then come from the runtime's own fetching, verified by probe.</summary>
    public bool AdapterActive { get; } = adapterActive;

    /// <summary>A jitter sample in [−1, 1).</summary>
    public Func<double> Jitter { get; } = jitter;

    /// <summary>This process's name in store leases.</summary>
    public string LeaseOwner { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
}
