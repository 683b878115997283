using System.Net.Security;
using RawTls.Ocsp;
using RawTls.Stapling;
using RawTls.Stapling.Internal;

namespace RawTls.Certificates;

/// <summary>
/// One served certificate slot. Holds the current <see cref="StapledCertificateContext"/> and the
/// <see cref="SslServerAuthenticationOptions"/> built for it, published together through one volatile
/// reference: handshakes read it without locks, writers (stapling refresh, reload) replace it whole. Owns the
/// stapler of the certificate it serves now.
/// </summary>
public sealed class CertificateHolder
{
    private readonly SslServerAuthenticationOptions _template;
    private volatile Publication _publication;
    private Stapler? _stapler;
    private long _version;

    internal CertificateHolder(ServerCertificateOptions source, StaplingMode mode, SslServerAuthenticationOptions template, StapledCertificateContext initial, bool serve)
    {
        Source = source;
        StaplingMode = mode;
        _template = template;
        _publication = new Publication(initial, serve ? CreateOptions(initial) : null);
        _version = initial.Version;
    }

    /// <summary>Where the certificate comes from.</summary>
    public ServerCertificateOptions Source { get; }

    /// <summary>The effective stapling mode (Require for Must-Staple certificates).</summary>
    public StaplingMode StaplingMode { get; private set; }

    /// <summary>The context handshakes are served with now.</summary>
    public StapledCertificateContext Current => _publication.Context;

    /// <summary>False while the certificate may not be served (Require mode without a valid staple, or revoked under StopServing).</summary>
    public bool IsServing => _publication.Options is not null;

    /// <summary>The stapling state now, or null when stapling is off for this certificate.</summary>
    public StapleStatus? StaplingStatus => Volatile.Read(ref _stapler)?.Status;

    /// <summary>The stapler of the certificate served now, or null when stapling is off for it.</summary>
    internal Stapler? Stapler => Volatile.Read(ref _stapler);

    /// <summary>Fetches a fresh OCSP response now instead of waiting for the schedule (no-op when stapling is off).</summary>
    public Task RefreshStapleAsync() => Volatile.Read(ref _stapler)?.RefreshNowAsync() ?? Task.CompletedTask;

    /// <summary>What the last reload of this certificate did, or null before the first.</summary>
    public CertificateReloadStatus? LastReload { get; internal set; }

    /// <summary>Takes ownership of the stapler of the certificate now served (null: stapling off); returns the previous one for disposal.</summary>
    internal Stapler? Attach(Stapler? stapler, StaplingMode mode)
    {
        StaplingMode = mode;
        return Interlocked.Exchange(ref _stapler, stapler);
    }

    /// <summary>Raised after every publication (on the publishing thread).</summary>
    public event EventHandler<StapledCertificateContext>? Published;

    /// <summary>Raised (on a background thread; keep handlers short) after every new stapling status snapshot: fetch, drop, schedule change.</summary>
    public event EventHandler<StapleStatus>? StaplingStatusChanged;

    internal void OnStaplingStatusChanged(StapleStatus status) => StaplingStatusChanged?.Invoke(this, status);

    internal long NextVersion() => Interlocked.Increment(ref _version);

    /// <summary>The options for a handshake, or null when the certificate may not be served. One volatile read.</summary>
    internal Publication Read() => _publication;

    /// <summary>Publishes <paramref name="context"/> with one atomic reference write.</summary>
    internal void Publish(StapledCertificateContext context, bool serve)
    {
        _publication = new Publication(context, serve ? CreateOptions(context) : null);
        Published?.Invoke(this, context);
    }

    private SslServerAuthenticationOptions CreateOptions(StapledCertificateContext context) => new()
    {
        ServerCertificateContext = context.SslContext,
        ApplicationProtocols = _template.ApplicationProtocols,
        EnabledSslProtocols = _template.EnabledSslProtocols,
        ClientCertificateRequired = _template.ClientCertificateRequired,
        RemoteCertificateValidationCallback = _template.RemoteCertificateValidationCallback,
        CertificateRevocationCheckMode = _template.CertificateRevocationCheckMode,
        AllowTlsResume = _template.AllowTlsResume,
        AllowRenegotiation = false,
    };

    /// <summary>A context and the options that serve it; replaced whole, never mutated.</summary>
    internal sealed class Publication(StapledCertificateContext context, SslServerAuthenticationOptions? options)
    {
        public StapledCertificateContext Context { get; } = context;

        public SslServerAuthenticationOptions? Options { get; } = options;
    }
}
