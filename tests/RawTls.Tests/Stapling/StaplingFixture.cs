using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RawTls.Certificates;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Server;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Stapling;

/// <summary>A development PKI, its real OCSP responder over HTTP, and a RawTls server stapling from it.</summary>
internal sealed class StaplingFixture : IAsyncDisposable
{
    private StaplingFixture(DevCertificateAuthority ca, OcspResponder responder, TimeProvider time)
    {
        Ca = ca;
        Responder = responder;
        Time = time;
    }

    public DevCertificateAuthority Ca { get; }

    public OcspResponder Responder { get; }

    public TimeProvider Time { get; }

    public TlsServer Server { get; private set; } = null!;

    public CertificateHolder Holder => Server.Certificates[0];

    public IPEndPoint EndPoint => Server.LocalEndPoints[0];

    /// <summary>Creates the PKI and responder; the server is started separately so tests can set faults first.</summary>
    public static StaplingFixture Create(TimeProvider? time = null, bool mustStaple = false, TimeSpan? validity = null, TimeSpan? backdate = null)
    {
        time ??= TimeProvider.System;
        var ca = DevCertificateAuthority.Create(new DevPkiOptions { TimeProvider = time, MustStaple = mustStaple });
        var responder = OcspResponder.Start(ca, new OcspResponderOptions { TimeProvider = time, Validity = validity ?? TimeSpan.FromHours(1), Backdate = backdate ?? TimeSpan.FromMinutes(1) });
        return new StaplingFixture(ca, responder, time);
    }

    public async Task<TlsServer> StartServerAsync(Action<TlsServerOptions>? configure = null, Uri? responderUrl = null, TlsConnectionHandler? handler = null)
    {
        var options = new TlsServerOptions { TimeProvider = Time }.Listen(IPAddress.Loopback, 0);
        var certificate = ServerCertificateOptions.FromCertificate(Ca.Leaf, [Ca.Intermediate]);
        certificate.OcspResponderUrl = responderUrl ?? Responder.Url;
        options.Certificates.Add(certificate);
        options.Stapling.FetchTimeout = TimeSpan.FromSeconds(2);
        options.Stapling.StartupWait = TimeSpan.FromSeconds(5);
        options.Stapling.Jitter = 0;
        configure?.Invoke(options);
        Server = new TlsServer(options, handler ?? TestServerFactory.EchoHandler);
        await Server.StartAsync();
        return Server;
    }

    /// <summary>Handshakes with the BouncyCastle probe and returns what the server stapled.</summary>
    public async Task<StapleProbeResult> ProbeAsync(SslProtocols protocol = SslProtocols.Tls13, string? serverName = "localhost")
        => await StapleProbe.ProbeAsync(EndPoint, new StapleProbeOptions { Protocols = protocol, ServerName = serverName, Timeout = TimeSpan.FromSeconds(10) });

    /// <summary>The validator a client would use for the served leaf.</summary>
    public OcspValidationResult ValidateAsClient(byte[] staple, X509Certificate2? leaf = null)
        => new OcspResponseValidator(leaf ?? Ca.Leaf, Ca.Intermediate, Time).Validate(staple);

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        await Responder.DisposeAsync();
        Ca.Dispose();
    }
}
