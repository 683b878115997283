using System.Diagnostics.Metrics;
using System.Net.Security;
using Microsoft.Extensions.Logging;
using RawTls.Ocsp;
using RawTls.Server;
using RawTls.Stapling;

namespace RawTls.Certificates;

/// <summary>
/// Settings of a <see cref="CertificateSet"/>: what to serve and how to keep it stapled and current. Validated and
/// copied by <see cref="CertificateSet.StartAsync(CertificateSetOptions, CancellationToken)"/>; later changes have no effect on a running set.
/// </summary>
public sealed partial class CertificateSetOptions
{
    /// <summary>The certificates to serve. The first is the default for clients that send no or an unknown server name.</summary>
    public IList<ServerCertificateOptions> Certificates { get; } = new List<ServerCertificateOptions>();

    /// <summary>OCSP stapling settings shared by all certificates.</summary>
    public StaplingOptions Stapling { get; set; } = new();

    /// <summary>Watching, reloading and expiry warnings of file-based certificates.</summary>
    public CertificateReloadOptions Reload { get; set; } = new();

    /// <summary>What to do with a client whose server name matches no certificate. Default: serve the default certificate.</summary>
    public UnknownServerNamePolicy UnknownServerName { get; set; } = UnknownServerNamePolicy.UseDefaultCertificate;

    /// <summary>
    /// Handshake settings copied into every <see cref="SslServerAuthenticationOptions"/> the set hands out: ALPN,
    /// enabled protocols, client certificates, resumption. Its certificate fields are ignored. Null: system defaults.
    /// </summary>
    public SslServerAuthenticationOptions? Template { get; set; }

    /// <summary>Logging. Null: no logs.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Clock for OCSP validity checks and refresh schedules (network timeouts use real time). Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Meter the set's instruments are created on (not disposed by the set). Null: the set creates its own <c>RawTls</c> meter.</summary>
    public Meter? Meter { get; set; }
}
