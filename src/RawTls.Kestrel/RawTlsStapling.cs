using System.Diagnostics.Metrics;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RawTls.Certificates;
using RawTls.Kestrel.Internal;
using RawTls.Server;
using RawTls.Stapling;

namespace RawTls.Kestrel;

/// <summary>
/// RawTls's certificate set for Kestrel: loads the certificates of a <see cref="TlsServerOptions"/> (its endpoints and
/// connection limits are not used; Kestrel listens), staples them (fetch, validate, cache, refresh, revoked policy),
/// reloads changed files and selects by server name, exactly as a <see cref="TlsServer"/> does. Kestrel's handshake
/// callback reads the current stapled context with no lock and no I/O (see <see cref="ListenOptionsExtensions"/>).
/// </summary>
public sealed class RawTlsStapling : IAsyncDisposable
{
    private static readonly List<SslApplicationProtocol> s_http1AndHttp2 = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    private readonly CertificateSetAdapter _certificates;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _state; // 0 new, 1 starting, 2 started, 3 disposed

    /// <summary>Creates the certificate set; nothing is loaded until <see cref="StartAsync"/>.</summary>
    public RawTlsStapling(TlsServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        ApplicationProtocols = options.ApplicationProtocols.Count > 0 ? [.. options.ApplicationProtocols] : s_http1AndHttp2;
        _certificates = new CertificateSetAdapter(options, new SslServerAuthenticationOptions
        {
            ApplicationProtocols = ApplicationProtocols, // set, so Kestrel never writes into a published object
            EnabledSslProtocols = options.EnabledProtocols,
            ClientCertificateRequired = options.ClientCertificateMode != ClientCertificateMode.NoCertificate,
            RemoteCertificateValidationCallback = options.ClientCertificateMode switch
            {
                ClientCertificateMode.NoCertificate => null,
                ClientCertificateMode.AllowCertificate => options.ClientCertificateValidation ?? AllowMissingClientCertificate,
                _ => options.ClientCertificateValidation,
            },
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            AllowTlsResume = options.AllowTlsResume,
        });
    }

    /// <summary>The options the set was created from.</summary>
    public TlsServerOptions Options { get; }

    /// <summary>The served certificates, in configuration order (the first is the default); empty before start.</summary>
    public IReadOnlyList<CertificateHolder> Certificates => _certificates.Certificates;

    /// <summary>The <c>RawTls</c> meter with the stapling and certificate instruments (null before start unless a host's meter factory was given).</summary>
    public Meter? Meter => _certificates.Meter;

    /// <summary>True once <see cref="StartAsync"/> completed.</summary>
    public bool IsStarted => Volatile.Read(ref _state) == 2;

    internal List<SslApplicationProtocol> ApplicationProtocols { get; }

    /// <summary>
    /// Loads the certificates and obtains their first staples (bounded by <see cref="StaplingOptions.StartupWait"/>),
    /// so the first handshake is stapled. Throws when a certificate cannot be loaded.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("RawTls stapling was already started.");
        }

        if (Options.Certificates.Count == 0)
        {
            throw new InvalidOperationException("No certificate: add one to TlsServerOptions.Certificates.");
        }

        try
        {
            await _certificates.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _started.TrySetException(ex);
            throw;
        }

        Volatile.Write(ref _state, 2);
        _started.TrySetResult();
    }

    /// <summary>Every certificate's state now (serial, staple, schedule, last fetch); empty before start.</summary>
    public CertificateSetStatus GetStatus() =>
        _certificates.GetStatus() ?? new CertificateSetStatus { At = Options.TimeProvider.GetUtcNow(), AdapterActive = true, Certificates = [] };

    /// <summary>Re-reads every file-based certificate now and swaps in those that changed and pass every check; one result each.</summary>
    public Task<IReadOnlyList<CertificateReloadStatus>> ReloadCertificatesAsync(CancellationToken cancellationToken = default) =>
        IsStarted ? _certificates.ReloadAsync(cancellationToken) : throw new InvalidOperationException("RawTls stapling is not started.");

    /// <summary>Stops refreshing and watching; handshakes after this fail.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, 3) == 3)
        {
            return;
        }

        _started.TrySetException(new ObjectDisposedException(nameof(RawTlsStapling)));
        _ = _started.Task.Exception; // observed: nobody may be waiting
        await _certificates.DisposeAsync().ConfigureAwait(false);
    }

    internal Task WhenStartedAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _state) == 0
            ? throw new InvalidOperationException("RawTls stapling is not started: call StartAsync, or register it with AddRawTlsStapling so the host starts it.")
            : _started.Task.WaitAsync(cancellationToken);

    /// <summary>The options to authenticate a handshake for <paramref name="serverName"/> with; throws when it may not be served.</summary>
    internal SslServerAuthenticationOptions Select(string? serverName) =>
        _certificates.Select(serverName) ?? throw Refused(serverName);

    private static AuthenticationException Refused(string? serverName) =>
        new($"RawTls: no certificate may be served for server name '{serverName}' (an unknown name under RefuseHandshake, Require without a valid staple, or revoked under StopServing).");

    private static bool AllowMissingClientCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        errors is SslPolicyErrors.None or SslPolicyErrors.RemoteCertificateNotAvailable;
}
