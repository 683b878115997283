using System.Net;
using System.Security.Cryptography.X509Certificates;
using RawTls.Cli.Commands;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Cli;

/// <summary><c>rawtls serve --cert-dir</c> with SNI, leaves from <c>rawtls pki issue</c>, and a SIGHUP reload.</summary>
public sealed class ServeReloadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rawtls-cli-reload-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Cert_dir_serves_each_name_stapled_and_sighup_reloads_a_reissued_leaf()
    {
        string pki = Path.Combine(_dir, "pki"), certs = Path.Combine(_dir, "certs");
        Assert.Equal(0, await CommandDispatcher.RunAsync(["pki", "init", "--dir", pki]));
        Assert.Equal(0, await CommandDispatcher.RunAsync(["pki", "issue", "--dir", pki, "--name", "localhost", "--out", Path.Combine(certs, "a")]));
        Assert.Equal(0, await CommandDispatcher.RunAsync(["pki", "issue", "--dir", pki, "--name", "*.example.test", "--out", Path.Combine(certs, "b")]));
        // The second layout: cert.pem / key.pem / chain.pem.
        File.Move(Path.Combine(certs, "b", "leaf.pem"), Path.Combine(certs, "b", "cert.pem"));
        File.Move(Path.Combine(certs, "b", "leaf.key"), Path.Combine(certs, "b", "key.pem"));
        using X509Certificate2 intermediate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(pki, "intermediate.pem"));

        // A responder for the PKI directory answers for every leaf issued from it, including ones issued after it started.
        using var ca = DevCertificateAuthority.Load(pki);
        await using var responder = OcspResponder.Start(ca, new OcspResponderOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        var (serve, port) = await CliProcess.StartServeAsync(_dir, "--cert-dir", certs, "--ocsp-url", responder.Url.ToString(), "--watch", "off", "--protocol", "echo");
        await using (serve)
        {
            var endPoint = new IPEndPoint(IPAddress.Loopback, port);
            async Task<string> ServedAsync(string? name)
            {
                StapleProbeResult r = await StapleProbe.ProbeAsync(endPoint, new StapleProbeOptions { ServerName = name, Timeout = TimeSpan.FromSeconds(5) });
                using var leaf = X509CertificateLoader.LoadCertificate(r.ServerCertificateChain[0]);
                Assert.NotNull(r.OcspResponse);
                Assert.Equal(OcspVerdict.Good, new OcspResponseValidator(leaf, intermediate, TimeProvider.System).Validate(r.OcspResponse!).Verdict);
                return leaf.SerialNumber;
            }

            string a = SerialIn(Path.Combine(certs, "a", "leaf.pem"));
            string b = SerialIn(Path.Combine(certs, "b", "cert.pem"));
            Assert.Equal(a, await ServedAsync("localhost"));
            Assert.Equal(a, await ServedAsync(null)); // the first subdirectory is the default
            Assert.Equal(b, await ServedAsync("x.example.test"));

            Assert.Equal(0, await CommandDispatcher.RunAsync(["pki", "issue", "--dir", pki, "--name", "localhost", "--out", Path.Combine(certs, "a")]));
            string renewed = SerialIn(Path.Combine(certs, "a", "leaf.pem"));
            Assert.NotEqual(a, renewed);
            await Task.Delay(300);
            Assert.Equal(a, await ServedAsync("localhost")); // --watch off: nothing until SIGHUP

            await serve.SignalAsync("HUP");
            await TestServerFactory.WaitUntilAsync(() => serve.Output.Contains($"reload: reloaded, serving serial {renewed}", StringComparison.Ordinal), "the SIGHUP reload:\n" + serve.Output);
            Assert.Equal(renewed, await ServedAsync("localhost"));
            Assert.Equal(b, await ServedAsync("x.example.test"));
            Assert.Equal(0, await serve.StopAsync());
        }
    }

    private static string SerialIn(string pemPath)
    {
        using X509Certificate2 cert = X509CertificateLoader.LoadCertificateFromFile(pemPath);
        return cert.SerialNumber;
    }
}
