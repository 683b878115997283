using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RawTls.DevPki;
using RawTls.Hosting;
using RawTls.Ocsp;
using RawTls.Server;
using RawTls.Tests.Reload;

namespace RawTls.Tests.Hosting;

/// <summary>
/// A development PKI with its OCSP responder, certificate files and an appsettings.json written to a temporary content
/// root, and a Generic Host built from it with <see cref="Host.CreateApplicationBuilder(HostApplicationBuilderSettings)"/>.
/// </summary>
internal sealed class HostingFixture : IAsyncDisposable
{
    private HostingFixture(DevCertificateAuthority ca, OcspResponder responder)
    {
        Ca = ca;
        Responder = responder;
    }

    public DevCertificateAuthority Ca { get; }

    public OcspResponder Responder { get; }

    public string Root { get; } = Directory.CreateTempSubdirectory("rawtls-hosting-").FullName;

    public LogCollector Logs { get; } = new();

    public IHost Host { get; private set; } = null!;

    public TlsServer Server => Host.Services.GetRequiredService<TlsServer>();

    public static HostingFixture Create(bool mustStaple = false)
    {
        var ca = DevCertificateAuthority.Create(new DevPkiOptions { MustStaple = mustStaple });
        var responder = OcspResponder.Start(ca, new OcspResponderOptions { Validity = TimeSpan.FromHours(1) });
        return new HostingFixture(ca, responder);
    }

    /// <summary>Issues a leaf for <paramref name="names"/> and writes leaf.pem / leaf.key / chain.pem under <c>certs/<paramref name="set"/></c>.</summary>
    public (LeafFiles Files, X509Certificate2 Leaf) WriteCertificate(string set, params string[] names)
    {
        var files = new LeafFiles(Directory.CreateDirectory(Path.Combine(Root, "certs", set)).FullName);
        X509Certificate2 leaf = Ca.IssueLeaf(names);
        files.Write(leaf, Ca.Intermediate);
        return (files, leaf);
    }

    /// <summary>The "RawTls" section most tests start from: one loopback endpoint on a free port, short waits.</summary>
    public static Dictionary<string, object?> Section(params object[] certificates) => new()
    {
        ["Endpoints"] = new object[] { new { Address = "127.0.0.1", Port = 0 } },
        ["Certificates"] = certificates,
        ["Stapling"] = new Dictionary<string, object?> { ["FetchTimeout"] = "00:00:02", ["StartupWait"] = "00:00:05", ["Jitter"] = 0 },
        ["ShutdownTimeout"] = "00:00:05",
    };

    /// <summary>A PEM certificate entry pointing at <paramref name="files"/>, asking the dev responder.</summary>
    public Dictionary<string, object?> PemEntry(LeafFiles files, string? stapling = null)
    {
        var entry = new Dictionary<string, object?>
        {
            ["CertificatePath"] = files.CertPath,
            ["KeyPath"] = files.KeyPath,
            ["ChainPath"] = files.ChainPath,
            ["OcspResponderUrl"] = Responder.Url.ToString(),
        };
        if (stapling is not null)
        {
            entry["Stapling"] = stapling;
        }

        return entry;
    }

    /// <summary>Writes <c>{ "RawTls": section }</c> as appsettings.json in the content root.</summary>
    public string WriteSettings(object section)
    {
        string path = Path.Combine(Root, "appsettings.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, object> { ["RawTls"] = section }, s_json));
        return path;
    }

    /// <summary>Builds the host the way an application does: CreateApplicationBuilder over the content root, AddRawTls over its "RawTls" section.</summary>
    public IHost Build(Action<RawTlsBuilder>? configure = null, Action<HostApplicationBuilder>? configureHost = null)
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = Root,
            EnvironmentName = "Test",
            Args = [],
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        RawTlsBuilder rawTls = builder.Services.AddRawTls(builder.Configuration.GetSection("RawTls"));
        if (configure is null)
        {
            rawTls.UseHandler(Infrastructure.TestServerFactory.EchoHandler);
        }
        else
        {
            configure(rawTls);
        }

        configureHost?.Invoke(builder);
        Host = builder.Build();
        return Host;
    }

    /// <summary>Probes the hosted server (BouncyCastle client) and returns what it stapled.</summary>
    public Task<StapleProbeResult> ProbeAsync(string? serverName = "localhost") =>
        StapleProbe.ProbeAsync(Server.LocalEndPoints[0], new StapleProbeOptions { ServerName = serverName, Timeout = TimeSpan.FromSeconds(5) });

    public async ValueTask DisposeAsync()
    {
        if (Host is not null)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await Host.StopAsync(cts.Token);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
            }

            if (Host is IAsyncDisposable async)
            {
                await async.DisposeAsync();
            }
            else
            {
                Host.Dispose();
            }
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

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };
}
