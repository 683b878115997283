using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using System.Net.Security;
using Microsoft.Extensions.Logging.Abstractions;
using RawTls.Diagnostics;
using RawTls.Stapling;
using RawTls.Stapling.Internal;

namespace RawTls.Certificates;

/// <summary>
/// The served certificates without a server: loads them, keeps each stapled and current (OCSP refresh, file reload),
/// selects one per server name, and reports their state. <see cref="Server.TlsServer"/> runs one; any other TLS
/// front end (Kestrel's <c>ServerOptionsSelectionCallback</c>, a custom listener) can run its own.
/// </summary>
/// <example>
/// <code>
/// var options = new CertificateSetOptions();
/// options.Certificates.Add(ServerCertificateOptions.FromPemFiles("leaf.pem", "leaf.key", "chain.pem"));
/// await using CertificateSet set = await CertificateSet.StartAsync(options);
/// // per handshake:
/// SslServerAuthenticationOptions? serverOptions = set.GetServerOptions(clientHello.ServerName);
/// </code>
/// </example>
public sealed partial class CertificateSet : IAsyncDisposable
{
    private readonly CertificateSetOptions _options;
    private readonly RawTlsMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly CertificateLog _log;
    private readonly StaplingRuntime _stapling;
    private readonly SslServerAuthenticationOptions _template;
    private readonly List<CertificateSlot> _slots = [];
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private volatile CertificateSelector? _selector;
    private CertificateReloader? _reloader;
    private CertificateExpiryMonitor? _expiry;
    private volatile bool _disposed;

    private CertificateSet(CertificateSetOptions validated, RawTlsMetrics? metrics)
    {
        _options = validated;
        _ownsMetrics = metrics is null;
        _metrics = metrics ?? new RawTlsMetrics(validated.Meter);
        _log = new CertificateLog(validated.LoggerFactory?.CreateLogger("RawTls.Certificates") ?? NullLogger.Instance);
        _stapling = new StaplingRuntime(validated.Stapling, validated.TimeProvider, _metrics, validated.LoggerFactory);
        _template = validated.Template ?? new SslServerAuthenticationOptions();
    }

    /// <summary>The certificates, in configuration order (the first is the default).</summary>
    public IReadOnlyList<CertificateHolder> Certificates => _selector?.Holders ?? [];

    /// <summary>The meter with the set's instruments (the one given in the options, or the set's own <c>RawTls</c> meter).</summary>
    public Meter Meter => _metrics.Meter;

    /// <summary>True when staples are bound by RawTls (false: the runtime's own fetching, checked by probe).</summary>
    public bool AdapterActive => _stapling.AdapterActive;

    /// <summary>The selector now: one volatile read, replaced whole when a reload changes a certificate's names.</summary>
    internal CertificateSelector Selector => _selector!;

    /// <summary>
    /// Validates and copies <paramref name="options"/>, loads every certificate and starts stapling. Returns once each
    /// certificate has a valid staple from memory or the store, or its first fetch ended, or
    /// <see cref="StaplingOptions.StartupWait"/> passed: a valid stored staple means no wait for the network.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its allowed range (the message names it).</exception>
    /// <exception cref="CertificateLoadException">A certificate cannot be loaded.</exception>
    public static Task<CertificateSet> StartAsync(CertificateSetOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return StartAsync(options.ValidatedCopy(), metrics: null, cancellationToken);
    }

    /// <summary>Starts a set from options already validated and copied, recording into <paramref name="metrics"/> (a server's own).</summary>
    internal static async Task<CertificateSet> StartAsync(CertificateSetOptions validated, RawTlsMetrics? metrics, CancellationToken cancellationToken)
    {
        var set = new CertificateSet(validated, metrics);
        try
        {
            await set.LoadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await set.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return set;
    }

    /// <summary>
    /// The handshake options for <paramref name="serverName"/> (SNI; null or empty: the default certificate), or null
    /// when the handshake must be refused (unknown name under <see cref="Server.UnknownServerNamePolicy.RefuseHandshake"/>,
    /// Require mode without a staple, revoked under StopServing). Lock-free; allocates nothing.
    /// </summary>
    public SslServerAuthenticationOptions? GetServerOptions(string? serverName) =>
        _selector?.Select(serverName)?.Read().Options;

    /// <summary>As <see cref="GetServerOptions"/>, with the stapled context those options serve (read together, never a torn pair).</summary>
    public bool TryGetServerOptions(string? serverName, [NotNullWhen(true)] out SslServerAuthenticationOptions? options, [NotNullWhen(true)] out StapledCertificateContext? context)
    {
        CertificateHolder.Publication? publication = _selector?.Select(serverName)?.Read();
        options = publication?.Options;
        context = options is null ? null : publication!.Context;
        return options is not null;
    }

    /// <summary>A snapshot of every certificate's state (serial, staple, schedule, last fetch) for operators and health checks.</summary>
    public CertificateSetStatus GetStatus()
    {
        DateTimeOffset now = _options.TimeProvider.GetUtcNow();
        IReadOnlyList<CertificateHolder> holders = Certificates;
        var certificates = new CertificateStatus[holders.Count];
        for (int i = 0; i < holders.Count; i++)
        {
            certificates[i] = CertificateStatus.From(holders[i], now);
        }

        return new CertificateSetStatus { At = now, AdapterActive = AdapterActive, Certificates = certificates };
    }

    /// <summary>
    /// Re-reads every file-based certificate now (what a file change or SIGHUP does) and swaps in each one whose files
    /// changed and pass every check. A certificate that fails keeps serving its current version. One result per
    /// certificate, in configuration order.
    /// </summary>
    public Task<IReadOnlyList<CertificateReloadStatus>> ReloadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _reloader!.ReloadAllAsync(cancellationToken);
    }

    /// <summary>Re-reads one certificate's files now; on failure it keeps serving, and the result says why.</summary>
    public Task<CertificateReloadStatus> ReloadCertificateAsync(CertificateHolder certificate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _reloader!.ReloadAsync(certificate, cancellationToken);
    }

    /// <summary>Stops watching and stapling, and releases the set's resources. Handshakes already given options are not affected.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _expiry?.Dispose();
        if (_reloader is not null)
        {
            await _reloader.DisposeAsync().ConfigureAwait(false); // lets a reload in progress finish
        }

        foreach (CertificateSlot slot in _slots)
        {
            if (slot.Holder.Attach(null, slot.Holder.StaplingMode) is { } stapler)
            {
                await stapler.DisposeAsync().ConfigureAwait(false);
            }
        }

        _stapling.Dispose();
        _reloadGate.Dispose();
        if (_ownsMetrics)
        {
            _metrics.Dispose();
        }
    }
}
