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

            var scrape = await ExternalTool.RunAsync("curl", ["-sS", "-i", metricsUrl], TimeSpan.FromSeconds(15));
            Assert.True(scrape.ExitCode == 0, scrape.Stderr);
            string text = scrape.Stdout;
            Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
            Assert.Matches(@"(?m)^Content-Type: text/plain; (charset=utf-8; )?version=0\.0\.4", text);
            Assert.Matches(@"(?m)^rawtls_connections_accepted_total\{[^}]*\} [2-9]", text);
            Assert.Matches(@"(?m)^rawtls_handshakes_completed_total\{[^}]*tls_version=""1\.2""[^}]*\} 1$", text);
            Assert.Matches(@"(?m)^rawtls_handshakes_completed_total\{[^}]*tls_version=""1\.3""[^}]*\} 1$", text);
            Assert.Matches(@"(?m)^rawtls_handshake_duration_seconds_bucket\{[^}]*le=""0\.005""[^}]*\} \d+$", text);
            Assert.Matches(@"(?m)^rawtls_handshake_duration_seconds_count\{[^}]*\} 1$", text);
            Assert.Matches(@"(?m)^rawtls_ocsp_fetches_total\{[^}]*result=""good""[^}]*\} [1-9]", text);
            Assert.Matches(@"(?m)^rawtls_ocsp_staple_age_seconds\{[^}]*certificate=""CN=localhost""[^}]*\} \d", text);
            Assert.Matches(@"(?m)^rawtls_ocsp_staple_expires_in_seconds\{[^}]*certificate=""CN=localhost""[^}]*\} \d", text);

            // Status is served on the admin endpoint only, never on the metrics address.
            var onMetrics = await ExternalTool.RunAsync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", metricsUrl.Replace("/metrics", "/status", StringComparison.Ordinal)], TimeSpan.FromSeconds(15));
            Assert.Equal("404", onMetrics.Stdout);

            var (code, table, stderr) = await CliProcess.RunAsync("status", "--admin", socket);
            Assert.True(code == 0, stderr);
            string serial = SerialLine().Match(serve.Output).Groups[1].Value;
            Assert.Matches(@"NAME\s+SERIAL\s+STAPLE\s+THIS UPDATE\s+NEXT UPDATE\s+AGE\s+NEXT REFRESH\s+LAST FETCH\s+FAILS", table);
            Assert.Matches($@"(?m)^localhost\s+{serial}\s+good\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+\d{{4}}-", table);
            Assert.Contains("handshakes 2 completed, 0 failed", table, StringComparison.Ordinal);

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

    [GeneratedRegex(@"metrics on (http://\S+)")]
    private static partial Regex MetricsLine();

    [GeneratedRegex(@"admin on (\S+)")]
    private static partial Regex AdminLine();

    [GeneratedRegex(@"certificate CN=localhost serial ([0-9A-F]+):")]
    private static partial Regex SerialLine();
}
