using System.Diagnostics.Metrics;
using System.Net.Security;
using RawTls.Certificates;
using RawTls.Diagnostics;
using RawTls.Server;

namespace RawTls.Kestrel.Internal;

/// <summary>
/// The one place RawTls.Kestrel touches the library's certificate runtime (loading, stapling, reload, SNI selection) —
/// the same one a <see cref="TlsServer"/> runs. Replacing it with a public certificate-set type changes only this file.
/// </summary>
internal sealed class CertificateSetAdapter : IAsyncDisposable
{
    private readonly RawTlsMetrics _metrics;
    private readonly CertificateRuntime _runtime;

    public CertificateSetAdapter(TlsServerOptions options, SslServerAuthenticationOptions template)
    {
        _metrics = new RawTlsMetrics(options.MeterFactory);
        _runtime = new CertificateRuntime(options, template, _metrics);
    }

    public Meter Meter => _metrics.Meter;

    /// <summary>The served certificates, in configuration order; empty before start.</summary>
    public IReadOnlyList<CertificateHolder> Certificates => _runtime.Selector?.Holders ?? [];

    /// <summary>Loads the certificates and obtains their first staples (bounded by the stapling startup wait).</summary>
    public Task StartAsync(CancellationToken cancellationToken) => _runtime.StartAsync(cancellationToken);

    /// <summary>
    /// The published options for <paramref name="serverName"/> (one volatile read of the selector, one of the holder), or
    /// null when the name is refused or the certificate may not be served now.
    /// </summary>
    public SslServerAuthenticationOptions? Select(string? serverName) => _runtime.Selector?.Select(serverName)?.Read().Options;

    /// <summary>The certificate a server name maps to, for diagnostics.</summary>
    public CertificateHolder? Holder(string? serverName) => _runtime.Selector?.Select(serverName);

    public Task<IReadOnlyList<CertificateReloadStatus>> ReloadAsync(CancellationToken cancellationToken) => _runtime.ReloadAllAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _runtime.DisposeAsync().ConfigureAwait(false);
        _metrics.Dispose();
    }
}
