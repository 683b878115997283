using System.Security.Authentication;
using RawTls.Certificates;
using RawTls.Ocsp;
using RawTls.Server;
using RawTls.Stapling;

namespace RawTls.Hosting;

/// <summary>
/// The configuration section of a hosted RawTls server (usually <c>"RawTls"</c> in appsettings.json). Unset values
/// keep the <see cref="TlsServerOptions"/> defaults; every value is checked at start and an error names its key.
/// </summary>
public sealed class RawTlsOptions
{
    /// <summary>Addresses to listen on (at least one for a hosted server; ignored by the Kestrel integration).</summary>
    public IList<RawTlsEndpointOptions> Endpoints { get; } = new List<RawTlsEndpointOptions>();

    /// <summary>Certificates to serve, in order; the first is the default for unknown or missing server names.</summary>
    public IList<RawTlsCertificateOptions> Certificates { get; } = new List<RawTlsCertificateOptions>();

    /// <summary>
    /// A directory whose subdirectories (in name order) each hold one certificate: <c>leaf.pem</c> + <c>leaf.key</c>
    /// or <c>cert.pem</c> + <c>key.pem</c>, with an optional <c>chain.pem</c>. Served after <see cref="Certificates"/>.
    /// </summary>
    public string? CertificateDirectory { get; set; }

    /// <summary>OCSP stapling settings shared by all certificates.</summary>
    public StaplingOptions Stapling { get; set; } = new();

    /// <summary>Watching and reloading of certificate files.</summary>
    public CertificateReloadOptions Reload { get; set; } = new();

    /// <summary>What to do with a server name no certificate matches.</summary>
    public UnknownServerNamePolicy? UnknownServerName { get; set; }

    /// <summary>See <see cref="TlsServerOptions.HandshakeTimeout"/>.</summary>
    public TimeSpan? HandshakeTimeout { get; set; }

    /// <summary>See <see cref="TlsServerOptions.IdleTimeout"/>; zero disables it.</summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>See <see cref="TlsServerOptions.ShutdownTimeout"/>.</summary>
    public TimeSpan? ShutdownTimeout { get; set; }

    /// <summary>See <see cref="TlsServerOptions.MaxConcurrentConnections"/>.</summary>
    public int? MaxConcurrentConnections { get; set; }

    /// <summary>See <see cref="TlsServerOptions.MaxConcurrentHandshakes"/>.</summary>
    public int? MaxConcurrentHandshakes { get; set; }

    /// <summary>See <see cref="TlsServerOptions.ListenBacklog"/>.</summary>
    public int? ListenBacklog { get; set; }

    /// <summary>See <see cref="TlsServerOptions.AcceptLoopsPerEndPoint"/>.</summary>
    public int? AcceptLoopsPerEndPoint { get; set; }

    /// <summary>ALPN protocols offered, in preference order (e.g. <c>"http/1.1"</c>).</summary>
    public IList<string> ApplicationProtocols { get; } = new List<string>();

    /// <summary>Enabled TLS versions, e.g. <c>"Tls12, Tls13"</c>. Unset: the system's choice.</summary>
    public SslProtocols? EnabledProtocols { get; set; }

    /// <summary>See <see cref="TlsServerOptions.AllowTlsResume"/>.</summary>
    public bool? AllowTlsResume { get; set; }
}
