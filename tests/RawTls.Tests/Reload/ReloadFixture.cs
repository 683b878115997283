using System.Diagnostics;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RawTls.Certificates;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Server;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Reload;

/// <summary>
/// A development PKI with its OCSP responder, certificate files in a temporary directory (one subdirectory per
/// certificate), and a RawTls server serving them from the files with watching on.
/// </summary>
internal sealed class ReloadFixture : IAsyncDisposable
{
    private readonly List<(LeafFiles Files, ServerCertificateOptions? Options)> _sets = [];

    private ReloadFixture(DevCertificateAuthority ca, OcspResponder responder, TimeProvider time)
    {
        Ca = ca;
        Responder = responder;
        Time = time;
    }

    public DevCertificateAuthority Ca { get; }

    public OcspResponder Responder { get; }

    public TimeProvider Time { get; }

    public string Root { get; } = Directory.CreateTempSubdirectory("rawtls-reload-").FullName;

    public LogCollector Logs { get; } = new();

    public TlsServer Server { get; private set; } = null!;

    public MetricsRecorder Recorded { get; private set; } = null!;

    public IPEndPoint EndPoint => Server.LocalEndPoints[0];

    public long LoadErrors => Recorded.Sum("rawtls.certificate.loads", "error");

    public static ReloadFixture Create(TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var ca = DevCertificateAuthority.Create(new DevPkiOptions { TimeProvider = time });
        var responder = OcspResponder.Start(ca, new OcspResponderOptions { TimeProvider = time, Validity = TimeSpan.FromHours(1) });
        return new ReloadFixture(ca, responder, time);
    }

    /// <summary>Issues a leaf for <paramref name="names"/> and writes it as a new certificate set (served in the order added).</summary>
    public (LeafFiles Files, X509Certificate2 Leaf) AddCertificate(string setName, params string[] names)
    {
        var files = new LeafFiles(Directory.CreateDirectory(Path.Combine(Root, setName)).FullName);
        X509Certificate2 leaf = Ca.IssueLeaf(names);
        files.Write(leaf, Ca.Intermediate);
        _sets.Add((files, null));
        return (files, leaf);
    }

    public X509Certificate2 Issue(params string[] names) => Ca.IssueLeaf(names);

    public async Task<TlsServer> StartAsync(Action<TlsServerOptions>? configure = null, Action<ServerCertificateOptions>? configureCertificate = null)
    {
        var options = new TlsServerOptions { TimeProvider = Time, LoggerFactory = Logs }.Listen(IPAddress.Loopback, 0);
        foreach (var (files, _) in _sets)
        {
            var certificate = ServerCertificateOptions.FromPemFiles(files.CertPath, files.KeyPath, files.ChainPath);
            certificate.OcspResponderUrl = Responder.Url;
            configureCertificate?.Invoke(certificate);
            options.Certificates.Add(certificate);
        }

        options.Stapling.FetchTimeout = TimeSpan.FromSeconds(2);
        options.Stapling.StartupWait = TimeSpan.FromSeconds(5);
        options.Stapling.Jitter = 0;
        options.Reload.PollInterval = TimeSpan.FromMilliseconds(500);
        options.Reload.StapleWait = TimeSpan.FromSeconds(2);
        options.HandshakeTimeout = TimeSpan.FromSeconds(5);
        options.ShutdownTimeout = TimeSpan.FromSeconds(2);
        configure?.Invoke(options);
        Server = new TlsServer(options, TestServerFactory.EchoHandler);
        Recorded = new MetricsRecorder(Server.Meter);
        await Server.StartAsync();
        return Server;
    }

    public Task<StapleProbeResult> ProbeAsync(string? serverName = "localhost", SslProtocols protocol = SslProtocols.Tls13) =>
        StapleProbe.ProbeAsync(EndPoint, new StapleProbeOptions { Protocols = protocol, ServerName = serverName, Timeout = TimeSpan.FromSeconds(5) });

    /// <summary>The serial of the leaf a probe handshake was served.</summary>
    public static string SerialOf(StapleProbeResult result)
    {
        using var leaf = X509CertificateLoader.LoadCertificate(result.ServerCertificateChain[0]);
        return leaf.SerialNumber;
    }

    /// <summary>Checks what a client got: leaf + intermediate, and a GOOD staple that validates for that very leaf.</summary>
    public string? Problem(StapleProbeResult result)
    {
        if (result.ServerCertificateChain.Count != 2 || !result.ServerCertificateChain[1].AsSpan().SequenceEqual(Ca.Intermediate.RawData))
        {
            return $"incomplete chain ({result.ServerCertificateChain.Count} certificates)";
        }

        if (result.OcspResponse is null)
        {
            return "no staple";
        }

        using var leaf = X509CertificateLoader.LoadCertificate(result.ServerCertificateChain[0]);
        OcspValidationResult v = new OcspResponseValidator(leaf, Ca.Intermediate, Time).Validate(result.OcspResponse);
        return v.Verdict == OcspVerdict.Good ? null : $"staple does not validate for serial {leaf.SerialNumber}: {v.Verdict} {v.Message}";
    }

    /// <summary>Probes until <paramref name="serverName"/> is served <paramref name="serial"/>; returns how long that took.</summary>
    public async Task<TimeSpan> WaitForSerialAsync(string serial, string? serverName = "localhost", TimeSpan? within = null)
    {
        var watch = Stopwatch.StartNew();
        TimeSpan limit = within ?? TimeSpan.FromSeconds(5);
        string? last = null;
        while (watch.Elapsed < limit)
        {
            last = SerialOf(await ProbeAsync(serverName));
            if (last == serial)
            {
                return watch.Elapsed;
            }

            await Task.Delay(10);
        }

        throw new Xunit.Sdk.XunitException($"serial {serial} not served for {serverName} within {limit} (last seen {last}); logs:\n{string.Join("\n", Logs.Entries.Select(e => $"{e.Level}: {e.Message}"))}");
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        Recorded?.Dispose();
        await Responder.DisposeAsync();
        Ca.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
