using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RawTls.DevPki;
using RawTls.Kestrel;
using RawTls.Ocsp;
using RawTls.Tests.Infrastructure;
using RawTls.Tests.Reload;

namespace RawTls.Tests.Kestrel;

/// <summary>
/// A real ASP.NET Core app on Kestrel (127.0.0.1, free port) whose HTTPS endpoint uses RawTls stapling, configured from
/// an appsettings.json written to a temporary content root, with the development PKI and its OCSP responder.
/// </summary>
internal sealed class KestrelFixture : IAsyncDisposable
{
    private KestrelFixture(DevCertificateAuthority ca, OcspResponder responder)
    {
        Ca = ca;
        Responder = responder;
    }

    public DevCertificateAuthority Ca { get; }

    public OcspResponder Responder { get; }

    public string Root { get; } = Directory.CreateTempSubdirectory("rawtls-kestrel-").FullName;

    public LogCollector Logs { get; } = new();

    public WebApplication App { get; private set; } = null!;

    public RawTlsStapling Stapling => App.Services.GetRequiredService<RawTlsStapling>();

    public IPEndPoint EndPoint { get; private set; } = null!;

    public string RootPath => Path.Combine(Root, "root.pem");

    public static KestrelFixture Create()
    {
        var ca = DevCertificateAuthority.Create(new DevPkiOptions());
        var responder = OcspResponder.Start(ca, new OcspResponderOptions { Validity = TimeSpan.FromHours(1) });
        var f = new KestrelFixture(ca, responder);
        File.WriteAllText(f.RootPath, ca.Root.ExportCertificatePem() + "\n");
        return f;
    }

    public (LeafFiles Files, X509Certificate2 Leaf) WriteCertificate(string set, params string[] names)
    {
        var files = new LeafFiles(Directory.CreateDirectory(Path.Combine(Root, "certs", set)).FullName);
        X509Certificate2 leaf = Ca.IssueLeaf(names);
        files.Write(leaf, Ca.Intermediate);
        return (files, leaf);
    }

    /// <summary>Writes appsettings.json with a "RawTls" section serving the certificate directory, stapled from the dev responder.</summary>
    public void WriteSettings(string? revokedPolicy = null)
    {
        var stapling = new Dictionary<string, object?> { ["FetchTimeout"] = "00:00:02", ["StartupWait"] = "00:00:05", ["Jitter"] = 0 };
        if (revokedPolicy is not null)
        {
            stapling["RevokedPolicy"] = revokedPolicy;
        }

        var section = new Dictionary<string, object?>
        {
            ["CertificateDirectory"] = Path.Combine(Root, "certs"),
            ["Stapling"] = stapling,
            ["Reload"] = new Dictionary<string, object?> { ["PollInterval"] = "00:00:00.500", ["StapleWait"] = "00:00:02" },
        };
        File.WriteAllText(Path.Combine(Root, "appsettings.json"), JsonSerializer.Serialize(new Dictionary<string, object> { ["RawTls"] = section }));
    }

    /// <summary>
    /// Builds and starts the app the way its README says: AddRawTlsStapling over the "RawTls" section, UseRawTlsStapling on
    /// the endpoint. Certificates without an AIA responder URL ask the dev responder.
    /// </summary>
    public async Task StartAsync(Action<WebApplicationBuilder>? configure = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = Root, EnvironmentName = "Test", Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        builder.Services.AddRawTlsStapling(builder.Configuration.GetSection("RawTls"), o =>
        {
            foreach (var certificate in o.Certificates)
            {
                certificate.OcspResponderUrl = Responder.Url;
            }
        });
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseRawTlsStapling()));
        configure?.Invoke(builder);
        App = builder.Build();
        App.MapGet("/", static () => "hello from kestrel");
        await App.StartAsync();
        string address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        EndPoint = new IPEndPoint(IPAddress.Loopback, new Uri(address).Port);
    }

    /// <summary>openssl s_client -status against the app; returns its output.</summary>
    public async Task<string> OpenSslStatusAsync(string serverName = "localhost")
    {
        var (_, stdout, stderr) = await ExternalTool.RunAsync("openssl",
            ["s_client", "-connect", $"127.0.0.1:{EndPoint.Port}", "-servername", serverName, "-status", "-CAfile", RootPath, "-verify_return_error"],
            TimeSpan.FromSeconds(20), stdin: string.Empty);
        return stdout + stderr;
    }

    public Task<StapleProbeResult> ProbeAsync(string? serverName = "localhost") =>
        StapleProbe.ProbeAsync(EndPoint, new StapleProbeOptions { ServerName = serverName, Timeout = TimeSpan.FromSeconds(5) });

    /// <summary>An HttpClient trusting only the dev root, one TLS connection per request when <paramref name="newConnectionPerRequest"/>.</summary>
    public HttpClient CreateClient(bool newConnectionPerRequest)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = newConnectionPerRequest ? TimeSpan.Zero : Timeout.InfiniteTimeSpan,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(EndPoint, ct);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(Ca.Root);
            chain.ChainPolicy.ExtraStore.Add(Ca.Intermediate);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) == System.Net.Security.SslPolicyErrors.None
                && chain.Build((X509Certificate2)certificate!);
        };
        return new HttpClient(handler) { BaseAddress = new Uri("https://localhost/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await App.StopAsync(cts.Token);
            await App.DisposeAsync();
        }

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
