using System.Diagnostics.Metrics;
using System.Net.Security;
using RawTls.Certificates;
using RawTls.Server;

namespace RawTls.Kestrel.Internal;

/// <summary>
/// The one place RawTls.Kestrel reaches the library's certificate runtime: a <see cref="CertificateSet"/> (loading,
/// stapling, reload, SNI selection, status) — the same one a <see cref="TlsServer"/> runs.
/// </summary>
internal sealed class CertificateSetAdapter : IAsyncDisposable
{
    private readonly CertificateSetOptions _options;
    private CertificateSet? _set;

    public CertificateSetAdapter(TlsServerOptions options, SslServerAuthenticationOptions template)
    {
        _options = new CertificateSetOptions
        {
            Stapling = options.Stapling,
            Reload = options.Reload,
            UnknownServerName = options.UnknownServerName,
            Template = template,
            LoggerFactory = options.LoggerFactory,
            TimeProvider = options.TimeProvider,
            // A host's meter is owned by its factory; without one the set creates and owns its own.
            Meter = options.MeterFactory?.Create(new MeterOptions("RawTls") { Version = typeof(CertificateSet).Assembly.GetName().Version?.ToString() }),
        };
        foreach (ServerCertificateOptions certificate in options.Certificates)
        {
            _options.Certificates.Add(certificate);
        }
    }

    /// <summary>The meter with the stapling and certificate instruments, once started (or the host's meter).</summary>
    public Meter? Meter => _set?.Meter ?? _options.Meter;

    /// <summary>The served certificates, in configuration order; empty before start.</summary>
    public IReadOnlyList<CertificateHolder> Certificates => _set?.Certificates ?? [];

    /// <summary>Validates the options, loads the certificates and obtains their first staples (bounded by the stapling startup wait).</summary>
    public async Task StartAsync(CancellationToken cancellationToken) =>
        _set = await CertificateSet.StartAsync(_options, cancellationToken).ConfigureAwait(false);

    /// <summary>The published options for <paramref name="serverName"/> (lock-free, no allocation), or null when the handshake must be refused.</summary>
    public SslServerAuthenticationOptions? Select(string? serverName) => _set?.GetServerOptions(serverName);

    /// <summary>Every certificate's state now, or null before start.</summary>
    public CertificateSetStatus? GetStatus() => _set?.GetStatus();

    public Task<IReadOnlyList<CertificateReloadStatus>> ReloadAsync(CancellationToken cancellationToken) => _set!.ReloadAsync(cancellationToken);

    public ValueTask DisposeAsync() => _set?.DisposeAsync() ?? ValueTask.CompletedTask;
}
