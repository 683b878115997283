using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using RawTls.Cli.Commands;
using RawTls.DevPki;
using RawTls.Ocsp;

namespace RawTls.Tests.DevPki;

public partial class PkiCliTests
{
    [Fact]
    public async Task Init_issue_revoke_end_to_end()
    {
        using var dir = new TempDir();
        string pki = dir.Combine("pki");
        Assert.Equal(0, await CommandDispatcher.RunAsync(["pki", "init", "--dir", pki, "--ocsp-url", "http://127.0.0.1:8888/", "--key", "rsa", "--must-staple"]));
        foreach (string f in new[] { "root.pem", "intermediate.pem", "leaf.pem", "leaf.key", "chain.pem", "root.key", "intermediate.key" })
        {
            Assert.True(File.Exists(Path.Combine(pki, f)), f);
        }

        using (var leaf = X509Certificate2.CreateFromPemFile(Path.Combine(pki, "leaf.pem"), Path.Combine(pki, "leaf.key")))
        {
            Assert.NotNull(leaf.GetRSAPrivateKey());
            Assert.NotNull(leaf.Extensions["1.3.6.1.5.5.7.1.24"]);
            Assert.Equal(["http://127.0.0.1:8888/"], leaf.Extensions.OfType<X509AuthorityInformationAccessExtension>().Single().EnumerateOcspUris());
        }

        // Refuses to overwrite.
        Assert.Equal(1, await CommandDispatcher.RunAsync(["pki", "init", "--dir", pki]));

        string outDir = dir.Combine("site");
        Assert.Equal(0, await CommandDispatcher.RunAsync(["pki", "issue", "--dir", pki, "--name", "*.dev.test", "--name", "dev.test", "--out", outDir]));
        using var issued = X509Certificate2.CreateFromPemFile(Path.Combine(outDir, "leaf.pem"), Path.Combine(outDir, "leaf.key"));
        Assert.Contains("*.dev.test", issued.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
        Assert.NotNull(issued.Extensions["1.3.6.1.5.5.7.1.24"]); // PKI default carries over

        Assert.Equal(0, await CommandDispatcher.RunAsync(["pki", "revoke", "--dir", pki, "--serial", "00" + issued.SerialNumber.ToLowerInvariant()]));
        using (var ca = DevCertificateAuthority.Load(pki))
        {
            Assert.Equal(OcspCertificateStatus.Revoked, ca.GetStatus(issued).Kind);
            Assert.Equal(OcspCertificateStatus.Good, ca.GetStatus(ca.Leaf).Kind);
        }

        Assert.Equal(1, await CommandDispatcher.RunAsync(["pki", "revoke", "--dir", pki, "--serial", "DEADBEEF"]));
        Assert.Equal(2, await CommandDispatcher.RunAsync(["pki", "revoke", "--dir", pki, "--serial", "xyz"]));
        Assert.Equal(1, await CommandDispatcher.RunAsync(["pki", "issue", "--dir", dir.Combine("nope"), "--name", "a.test", "--out", outDir]));
    }

    [Theory]
    [InlineData("pki")]
    [InlineData("pki", "frob")]
    [InlineData("pki", "init")]
    [InlineData("pki", "init", "--dir", "x", "--key", "dsa")]
    [InlineData("pki", "init", "--dir", "x", "--bogus", "1")]
    [InlineData("pki", "issue", "--dir", "x", "--out", "y")]
    [InlineData("ocsp-responder", "--pki", "x")]
    [InlineData("ocsp-responder", "--pki", "x", "--listen", "nonsense")]
    [InlineData("ocsp-responder", "--pki", "x", "--listen", "127.0.0.1:0", "--validity", "soon")]
    public async Task Usage_errors_exit_2(params string[] args) => Assert.Equal(2, await CommandDispatcher.RunAsync(args));

    [Fact]
    public async Task Responder_command_in_process_and_missing_pki()
    {
        using var dir = new TempDir();
        Assert.Equal(1, await CommandDispatcher.RunAsync(["ocsp-responder", "--pki", dir.Combine("missing"), "--listen", "127.0.0.1:0"]));

        using var ca = DevCertificateAuthority.Create(dir.Path);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var started = new TaskCompletionSource<OcspResponder>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<int> run = OcspResponderCommand.RunAsync(["--pki", dir.Path, "--listen", "127.0.0.1:0", "--validity", "10m"], r => started.SetResult(r), cts.Token);
        OcspResponder responder = await started.Task.WaitAsync(cts.Token);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var basic = OcspTestClient.Basic(await OcspTestClient.PostAsync(http, responder.Url, OcspTestClient.Request(ca.Leaf, ca.Intermediate)));
        Assert.Equal(TimeSpan.FromMinutes(10), basic.Responses[0].NextUpdate!.Value - basic.ProducedAt);
        await cts.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Responder_binary_serves_revocations_made_while_running_and_stops_on_sigterm()
    {
        using var dir = new TempDir();
        Assert.Equal(0, await CommandDispatcher.RunAsync(["pki", "init", "--dir", dir.Path]));
        string cli = typeof(CommandDispatcher).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { cli, "ocsp-responder", "--pki", dir.Path, "--listen", "127.0.0.1:0" })
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var seen = new System.Text.StringBuilder();
            Match m = Match.Empty;
            while (!m.Success && await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
            {
                seen.AppendLine(line);
                m = UrlPattern().Match(line);
            }

            Assert.True(m.Success, $"no URL in output: {seen}");
            var url = new Uri(m.Value);

            string[] args = ["ocsp", "-issuer", dir.Combine("intermediate.pem"), "-cert", dir.Combine("leaf.pem"), "-url", url.ToString(), "-CAfile", dir.Combine("root.pem"), "-resp_text", "-timeout", "10"];
            var (code, output) = await OpenSslInterop.RunAsync(args);
            Assert.True(code == 0 && output.Contains(": good", StringComparison.Ordinal), output);

            using var leaf = X509Certificate2.CreateFromPem(File.ReadAllText(dir.Combine("leaf.pem")));
            Assert.Equal(0, await CommandDispatcher.RunAsync(["pki", "revoke", "--dir", dir.Path, "--serial", leaf.SerialNumber]));
            (code, output) = await OpenSslInterop.RunAsync(args);
            Assert.True(code == 0 && output.Contains(": revoked", StringComparison.Ordinal), output);

            Assert.Equal(0, (await OpenSslInterop.RunKillAsync("-TERM", process.Id)).ExitCode);
            await process.WaitForExitAsync(cts.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/")]
    private static partial Regex UrlPattern();
}
