using System.Text.Json;
using System.Text.RegularExpressions;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Cli;

/// <summary><c>serve --metrics</c> scraped by curl, and <c>rawtls status</c> reading <c>serve --admin</c>, all as processes.</summary>
public sealed partial class ServeOperationsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rawtls-ops-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Metrics_are_scraped_in_prometheus_format_and_status_shows_each_certificate()
    {
        string socket = Path.Combine(_dir, "admin.sock");

        // Repeated single-value options keep the last value; --name=value works like --name value.
        var (serve, port) = await CliProcess.StartServeAsync(_dir, "--protocol", "echo", "--metrics", "127.0.0.1:0", "--admin", socket, "--protocol=http");
        await using (serve)
        {
            Assert.Contains("rawtls serving http on", serve.Output, StringComparison.Ordinal);
            string metricsUrl = MetricsLine().Match(serve.Output).Groups[1].Value;
            Assert.StartsWith("http://127.0.0.1:", metricsUrl, StringComparison.Ordinal);
            string root = Path.Combine(_dir, ".rawtls", "pki", "root.pem");

            foreach (string version in new[] { "1.2", "1.3" })
            {
                var curl = await ExternalTool.RunAsync("curl", ["-sS", "--cacert", root, $"--tlsv{version}", "--tls-max", version, $"https://localhost:{port}/"], TimeSpan.FromSeconds(15));
                Assert.True(curl.ExitCode == 0, curl.Stderr);
            }

            // Plain HTTP to the TLS port: one failed handshake, counted by reason.
            await ExternalTool.RunAsync("curl", ["-s", $"http://localhost:{port}/"], TimeSpan.FromSeconds(15));

            string text = await ScrapeUntilAsync(metricsUrl, @"(?m)^rawtls_handshakes_failed_total\{[^}]*reason=""[a-z_]+""[^}]*\} 1$");
            Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
            Assert.Matches(@"(?m)^rawtls_connections_active\{[^}]*\} 0$", text);
            Assert.Matches(@"(?m)^Content-Type: text/plain; (charset=utf-8; )?version=0\.0\.4", text);
            Assert.Matches(@"(?m)^rawtls_connections_accepted_total\{[^}]*\} [3-9]", text);
            Assert.Matches(@"(?m)^rawtls_handshakes_completed_total\{[^}]*tls_version=""1\.2""[^}]*\} 1$", text);
            Assert.Matches(@"(?m)^rawtls_handshakes_completed_total\{[^}]*tls_version=""1\.3""[^}]*\} 1$", text);
            Assert.Matches(@"(?m)^rawtls_handshake_duration_seconds_bucket\{[^}]*le=""0\.005""[^}]*\} \d+$", text);
            Assert.Matches(@"(?m)^rawtls_handshake_duration_seconds_count\{[^}]*\} 1$", text);
            Assert.Matches(@"(?m)^rawtls_ocsp_fetches_total\{[^}]*result=""good""[^}]*\} [1-9]", text);
            Assert.Matches(@"(?m)^rawtls_ocsp_staple_age_seconds\{[^}]*certificate=""localhost #[0-9A-F]+""[^}]*\} \d", text);
            Assert.Matches(@"(?m)^rawtls_ocsp_staple_expires_in_seconds\{[^}]*certificate=""localhost #[0-9A-F]+""[^}]*\} \d", text);

            // Status is served on the admin endpoint only, never on the metrics address.
            var onMetrics = await ExternalTool.RunAsync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", metricsUrl.Replace("/metrics", "/status", StringComparison.Ordinal)], TimeSpan.FromSeconds(15));
            Assert.Equal("404", onMetrics.Stdout);

            var (code, table, stderr) = await CliProcess.RunAsync("status", "--admin", socket);
            Assert.True(code == 0, stderr);
            string serial = SerialLine().Match(serve.Output).Groups[1].Value;
            Assert.Matches(@"NAME\s+SERIAL\s+STAPLE\s+THIS UPDATE\s+NEXT UPDATE\s+AGE\s+NEXT REFRESH\s+LAST FETCH\s+FAILS", table);
            Assert.Matches($@"(?m)^localhost\s+{serial}\s+good\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+\d{{4}}-", table);
            Assert.Contains("handshakes 2 completed, 1 failed", table, StringComparison.Ordinal);

            (code, string json, stderr) = await CliProcess.RunAsync("status", "--admin", socket, "--json");
            Assert.True(code == 0, stderr);
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement cert = doc.RootElement.GetProperty("certificates")[0];
            Assert.Equal(serial, cert.GetProperty("serial").GetString());
            Assert.Equal("good", cert.GetProperty("stapleStatus").GetString());
            Assert.Equal("good", cert.GetProperty("lastResult").GetString());
            Assert.Equal(0, cert.GetProperty("failuresInRow").GetInt32());
            Assert.True(cert.GetProperty("nextUpdate").GetDateTimeOffset() > cert.GetProperty("thisUpdate").GetDateTimeOffset());
            Assert.True(cert.GetProperty("nextRefresh").GetDateTimeOffset() < cert.GetProperty("nextUpdate").GetDateTimeOffset());

            Assert.Equal(0, await serve.StopAsync());
        }

        Assert.False(File.Exists(socket), "the admin socket is removed on stop");
    }

    [Fact]
    public async Task Admin_on_loopback_tcp_and_nothing_opened_unless_asked()
    {
        var (serve, _) = await CliProcess.StartServeAsync(_dir, "--admin", "127.0.0.1:0", "--stapling", "off");
        await using (serve)
        {
            Assert.DoesNotContain("metrics on", serve.Output, StringComparison.Ordinal);
            string admin = AdminLine().Match(serve.Output).Groups[1].Value;
            Assert.StartsWith("127.0.0.1:", admin, StringComparison.Ordinal);
            var (code, table, stderr) = await CliProcess.RunAsync("status", "--admin", admin);
            Assert.True(code == 0, stderr);
            Assert.Matches(@"(?m)^localhost\s+[0-9A-F]+\s+off\s", table);
            Assert.Equal(0, await serve.StopAsync());
        }

        var (plain, _) = await CliProcess.StartServeAsync(_dir);
        await using (plain)
        {
            Assert.DoesNotContain("admin on", plain.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("metrics on", plain.Output, StringComparison.Ordinal);
            Assert.Equal(0, await plain.StopAsync());
        }
    }

    /// <summary>A responder that refuses connections: status shows the failure and its error, metrics count it, check and status exit 1.</summary>
    [Fact]
    public async Task A_failing_responder_shows_in_status_and_metrics_and_check_and_status_exit_1()
    {
        int closed = FreePort();
        var (serve, port) = await CliProcess.StartServeAsync(_dir, "--ocsp-url", $"http://127.0.0.1:{closed}/", "--metrics", "127.0.0.1:0", "--admin", "127.0.0.1:0");
        await using (serve)
        {
            string admin = AdminLine().Match(serve.Output).Groups[1].Value;
            string metricsUrl = MetricsLine().Match(serve.Output).Groups[1].Value;

            var (code, table, stderr) = await CliProcess.RunAsync("status", "--admin", admin);
            Assert.True(code == 0, stderr);
            Assert.Matches(@"(?m)^localhost\s+[0-9A-F]+\s+none\s+-\s+-\s+-\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+network_error\s+[1-9]\d*\s+no\r?$", table);
            Assert.Matches($@"(?m)^localhost \([0-9A-F]+\): last error at \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ: .*127\.0\.0\.1:{closed}", table);

            (code, string json, stderr) = await CliProcess.RunAsync("status", "--admin", admin, "--json");
            Assert.True(code == 0, stderr);
            using (JsonDocument doc = JsonDocument.Parse(json))
            {
                JsonElement cert = doc.RootElement.GetProperty("certificates")[0];
                Assert.Equal("none", cert.GetProperty("stapleStatus").GetString());
                Assert.Equal("network_error", cert.GetProperty("lastResult").GetString());
                Assert.Contains($"127.0.0.1:{closed}", cert.GetProperty("lastError").GetString(), StringComparison.Ordinal);
                Assert.True(cert.GetProperty("failuresInRow").GetInt32() >= 1, json);
                Assert.True(cert.GetProperty("serving").GetBoolean(), "auto serves a certificate without a staple");
            }

            string text = await ScrapeUntilAsync(metricsUrl, @"(?m)^rawtls_ocsp_fetches_total\{[^}]*result=""network_error""[^}]*\} [1-9]");
            Assert.DoesNotMatch(@"(?m)^rawtls_ocsp_fetches_total\{[^}]*result=""good""", text);

            var check = await CliProcess.RunAsync("check", $"127.0.0.1:{port}", "--servername", "localhost", "--ca", Path.Combine(_dir, ".rawtls", "pki", "root.pem"));
            Assert.True(check.ExitCode == 1, $"exit {check.ExitCode}\n{check.Stdout}\n{check.Stderr}");
            Assert.Contains("staple       none", check.Stdout, StringComparison.Ordinal);

            // An address that answers HTTP but not /status (the metrics listener): exit 1, naming what it answered.
            var wrong = await CliProcess.RunAsync("status", "--admin", new Uri(metricsUrl).Authority);
            Assert.True(wrong.ExitCode == 1, $"exit {wrong.ExitCode}\n{wrong.Stderr}");
            Assert.Contains("404", wrong.Stderr, StringComparison.Ordinal);

            Assert.Equal(0, await serve.StopAsync());
        }
    }

    /// <summary>Scrapes until <paramref name="pattern"/> matches (a failure or a fetch is counted just after the client sees it), bounded.</summary>
    private static async Task<string> ScrapeUntilAsync(string metricsUrl, string pattern)
    {
        string text = string.Empty;
        for (int attempt = 0; attempt < 50; attempt++)
        {
            var scrape = await ExternalTool.RunAsync("curl", ["-sS", "-i", metricsUrl], TimeSpan.FromSeconds(15));
            Assert.True(scrape.ExitCode == 0, scrape.Stderr);
            text = scrape.Stdout;
            if (Regex.IsMatch(text, pattern))
            {
                return text;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"no line matching {pattern} in the scrape:\n{text}");
        return text;
    }

    private static int FreePort()
    {
        using var free = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        free.Start();
        return ((System.Net.IPEndPoint)free.LocalEndpoint).Port; // closed again when disposed: nothing listens there
    }

    [GeneratedRegex(@"metrics on (http://\S+)")]
    private static partial Regex MetricsLine();

    [GeneratedRegex(@"admin on (\S+)")]
    private static partial Regex AdminLine();

    [GeneratedRegex(@"certificate CN=localhost serial ([0-9A-F]+):")]
    private static partial Regex SerialLine();
}
