using System.Text.RegularExpressions;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Cli;

/// <summary><c>rawtls serve</c> end to end with the real clients users point at it.</summary>
public sealed class ServeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rawtls-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Default_serve_creates_a_dev_pki_staples_from_the_first_handshake_and_answers_curl_openssl_hey_and_wrk()
    {
        var (serve, port) = await CliProcess.StartServeAsync(_dir);
        await using (serve)
        {
            string root = Path.Combine(_dir, ".rawtls", "pki", "root.pem");
            Assert.True(File.Exists(root), serve.Output);
            Assert.Contains($"root certificate: {root}", serve.Output, StringComparison.Ordinal);
            Assert.Contains("curl --cacert", serve.Output, StringComparison.Ordinal);
            Assert.Contains("hey -n", serve.Output, StringComparison.Ordinal);
            Assert.Contains("wrk -t1", serve.Output, StringComparison.Ordinal);

            // The very first handshake is stapled, verified by openssl against the dev root.
            var s = await ExternalTool.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{port}", "-servername", "localhost", "-status", "-CAfile", root], TimeSpan.FromSeconds(15), string.Empty);
            Assert.Contains("Cert Status: good", s.Stdout, StringComparison.Ordinal);
            Assert.Contains("Verify return code: 0 (ok)", s.Stdout, StringComparison.Ordinal);

            var curl = await ExternalTool.RunAsync("curl", ["-sS", "-i", "--cacert", root, $"https://localhost:{port}/"], TimeSpan.FromSeconds(15));
            Assert.Equal(0, curl.ExitCode);
            Assert.StartsWith("HTTP/1.1 200 OK", curl.Stdout, StringComparison.Ordinal);
            Assert.EndsWith("Hello from RawTls\n", curl.Stdout, StringComparison.Ordinal);

            var hey = await ExternalTool.RunAsync("hey", ["-n", "400", "-c", "8", "-disable-keepalive", $"https://localhost:{port}/"], TimeSpan.FromSeconds(60));
            Assert.Equal(0, hey.ExitCode);
            Assert.Matches(@"\[200\]\s+400 responses", hey.Stdout);
            Assert.DoesNotContain("Error distribution", hey.Stdout, StringComparison.Ordinal);

            var wrk = await ExternalTool.RunAsync("wrk", ["-t1", "-c8", "-d2s", $"https://localhost:{port}/"], TimeSpan.FromSeconds(30));
            Assert.Equal(0, wrk.ExitCode);
            Assert.DoesNotContain("Socket errors", wrk.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("Non-2xx", wrk.Stdout, StringComparison.Ordinal);
            Assert.Matches(@"\d+ requests in", wrk.Stdout);

            Assert.Equal(0, await serve.StopAsync());
        }

        // The next start reuses the PKI (same root) and warm-starts from the staple cache.
        string rootPem = await File.ReadAllTextAsync(Path.Combine(_dir, ".rawtls", "pki", "root.pem"));
        var (again, _) = await CliProcess.StartServeAsync(_dir);
        await using (again)
        {
            Assert.Contains("using the development PKI", again.Output, StringComparison.Ordinal);
            Assert.Equal(rootPem, await File.ReadAllTextAsync(Path.Combine(_dir, ".rawtls", "pki", "root.pem")));
            Assert.Equal(0, await again.StopAsync());
        }
    }

    [Fact]
    public async Task Serve_with_user_files_and_check_reports_the_staple()
    {
        string pki = Path.Combine(_dir, "pki");
        var init = CliProcess.Start(_dir, ["pki", "init", "--dir", pki]);
        await using (init)
        {
            Assert.Equal(0, await init.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        var responder = CliProcess.Start(_dir, ["ocsp-responder", "--pki", pki, "--listen", "127.0.0.1:0"]);
        await using (responder)
        {
            string url = await WaitForUrlAsync(responder);
            var (serve, port) = await CliProcess.StartServeAsync(_dir, "--cert", Path.Combine(pki, "leaf.pem"), "--key", Path.Combine(pki, "leaf.key"), "--chain", Path.Combine(pki, "chain.pem"), "--ocsp-url", url, "--protocol", "echo");
            await using (serve)
            {
                var check = CliProcess.Start(_dir, ["check", $"127.0.0.1:{port}", "--servername", "localhost", "--ca", Path.Combine(pki, "root.pem")]);
                await using (check)
                {
                    int exit = await check.WaitForExitAsync(TimeSpan.FromSeconds(30));
                    Assert.True(exit == 0, check.Output);
                    Assert.Contains("status       GOOD", check.Output, StringComparison.Ordinal);
                    Assert.Contains("matches leaf yes", check.Output, StringComparison.Ordinal);
                    Assert.Contains("chain        trusted by --ca", check.Output, StringComparison.Ordinal);
                }

                Assert.Equal(0, await serve.StopAsync());
            }
        }
    }

    [Fact]
    public async Task Serve_refuses_a_junk_certificate_with_a_clear_error()
    {
        string cert = Path.Combine(_dir, "junk.pem");
        await File.WriteAllTextAsync(cert, "not a certificate");
        var serve = CliProcess.Start(_dir, ["serve", "--listen", "127.0.0.1:0", "--cert", cert, "--key", cert]);
        await using (serve)
        {
            Assert.Equal(1, await serve.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains($"{cert}: no PEM certificate found", serve.Output, StringComparison.Ordinal);
        }
    }

    private static async Task<string> WaitForUrlAsync(CliProcess responder)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            Match m = Regex.Match(responder.Output, @"http://127\.0\.0\.1:\d+/");
            if (m.Success)
            {
                return m.Value;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("ocsp-responder did not print its URL:\n" + responder.Output);
    }
}
