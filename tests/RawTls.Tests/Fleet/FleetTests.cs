using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using RawTls.DevPki;
using RawTls.Tests.Cli;
using RawTls.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RawTls.Tests.Fleet;

/// <summary>
/// A fleet on loopback, all real: redis-server, the dev OCSP responder, <c>rawtls serve</c> instances sharing one PKI and
/// the Redis staple store behind HAProxy (<c>mode tcp</c>, <c>send-proxy-v2</c>, TLS health checks on <c>/ready</c>), and
/// hey driving bounded load through HAProxy.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed partial class FleetTests(ITestOutputHelper output) : IDisposable
{
    // A 12-second validity window (11 s ahead, 1 s back): refreshes come every ~6 s, so a phase of Phase seconds
    // spans two or three refresh windows.
    private static readonly TimeSpan s_validity = TimeSpan.FromSeconds(11);
    private static readonly TimeSpan s_phase = TimeSpan.FromSeconds(13);

    private readonly string _dir = Directory.CreateTempSubdirectory("rawtls-fleet-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SkippableFact]
    public async Task Three_instances_behind_haproxy_share_staples_see_clients_and_drain_without_failures()
    {
        var clock = Stopwatch.StartNew();
        await using var redis = await RedisServer.StartAsync();
        string pki = Path.Combine(_dir, "pki");
        using var ca = DevCertificateAuthority.Create(pki);
        var responder = OcspResponder.Start(ca, new OcspResponderOptions { Validity = s_validity, Backdate = TimeSpan.FromSeconds(1) });
        var fetchTimes = new System.Collections.Concurrent.ConcurrentQueue<TimeSpan>();
        responder.FaultHook = _ =>
        {
            fetchTimes.Enqueue(clock.Elapsed);
            return null;
        };
        int[] ports = [LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free()];
        var instances = new CliProcess?[4];
        try
        {
            await using var haproxy = await HaproxyProcess.StartAsync(2, fe => HaproxyConfig(fe, ports), _dir, clock);
            string front = $"https://127.0.0.1:{haproxy.Ports[0]}/";

            // Phase 1: one instance alone; its refreshes counted once it is up (its first fetch aside).
            instances[0] = await StartInstanceAsync(0, ports, responder.Url.ToString(), redis.Url);
            await WaitForHaproxyAsync(haproxy, "s1 is UP");
            long before = responder.RequestCount;
            var phase = Stopwatch.StartNew();
            await Task.Delay(Remaining(phase));
            long fetchesOne = responder.RequestCount - before;

            // Phase 2: three instances for the same time, under load, counted once all three are up.
            long startup = responder.RequestCount;
            var started = await Task.WhenAll(StartInstanceAsync(1, ports, responder.Url.ToString(), redis.Url), StartInstanceAsync(2, ports, responder.Url.ToString(), redis.Url));
            (instances[1], instances[2]) = (started[0], started[1]);
            Assert.All(started, s => Assert.Matches(@"stapled Good until", s.Output)); // from the store: no fetch of their own
            await WaitForHaproxyAsync(haproxy, "s2 is UP");
            await WaitForHaproxyAsync(haproxy, "s3 is UP");
            before = responder.RequestCount;
            startup = before - startup;
            phase.Restart();
            TimeSpan phaseStart = clock.Elapsed;

            Task<(int, string, string)> load = Hey(front, requests: 900, concurrency: 6, qps: 25);
            (string Expected, string Seen)[] whoami = [await WhoAmIAsync(front), await WhoAmIAsync(front), await WhoAmIAsync(front)];
            var (heyExit, heyOut, _) = await load;
            await Task.Delay(Remaining(phase));
            long fetchesThree = responder.RequestCount - before;
            TimeSpan[] times = [.. fetchTimes.Where(t => t >= phaseStart)];
            double closest = Enumerable.Range(1, Math.Max(0, times.Length - 1)).Select(i => (times[i] - times[i - 1]).TotalSeconds).DefaultIfEmpty(double.MaxValue).Min();
            output.WriteLine($"OCSP fetches in {s_phase.TotalSeconds:0} s (refresh every ~5 s): one instance {fetchesOne}, three instances {fetchesThree}, closest two {closest:0.00} s apart (three without a shared store would make about {3 * fetchesOne}); fetches while two more instances started: {startup}");
            output.WriteLine(Summary(heyOut));
            output.WriteLine(StaplingLines(instances));
            AssertAllSucceeded(heyExit, heyOut, 900);
            foreach (var (expected, seen) in whoami)
            {
                Assert.Equal(expected, seen); // the client's address and port, not HAProxy's
            }

            Assert.InRange(fetchesOne, 1, 4);
            // One fetch per refresh for the whole fleet. A refresh comes about halfway through the 12 s window, give or
            // take its jitter, so fetches are 4-6 s apart. Instances that did not share would each fetch for the same
            // window, within their jitter of one another (they hold the same staple), so two fetches would come less
            // than 2 s apart. The counts alone cannot tell: jitter moves a 13 s phase's count between 2 and 4.
            Assert.True(fetchesThree >= 1, "no refresh reached the responder in the three-instance phase");
            Assert.True(fetchesThree <= 4, $"three instances made {fetchesThree} fetches in {s_phase.TotalSeconds:0} s\n{StaplingLines(instances)}");
            Assert.True(closest >= 2, $"two fetches {closest:0.00} s apart (at {string.Join(", ", times.Select(t => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)))} s): instances fetched for the same window\n{StaplingLines(instances)}");

            // SIGTERM to one instance under load: HAProxy's checks take it out before its listener closes.
            Task<(int, string, string)> drainLoad = Hey(front, requests: 900, concurrency: 6, qps: 25);
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            TimeSpan signalled = clock.Elapsed;
            await instances[0]!.SignalAsync("TERM");
            TimeSpan? closed = await WaitForOutputAsync(instances[0]!, "stopping: listener closed", clock, TimeSpan.FromSeconds(15));
            Assert.Equal(0, await instances[0]!.WaitForExitAsync(TimeSpan.FromSeconds(15)));
            var (drainExit, drainOut, _) = await drainLoad;
            TimeSpan? down = haproxy.FirstLogged("s1 is DOWN", since: signalled);
            output.WriteLine($"drain: SIGTERM at {signalled.TotalSeconds:0.000}s, HAProxy marked s1 DOWN at {down?.TotalSeconds:0.000}s, listener closed at {closed?.TotalSeconds:0.000}s");
            output.WriteLine("during the drain: " + Summary(drainOut));
            Assert.NotNull(down);
            Assert.True(down < closed, $"HAProxy took s1 out at {down}, after its listener closed at {closed}\n{haproxy.Log}");
            AssertAllSucceeded(drainExit, drainOut, 900);

            // A new instance started while the responder is down staples from its first handshake, from the store.
            await responder.StopAsync();
            instances[3] = await StartInstanceAsync(3, ports, responder.Url.ToString(), redis.Url);
            Assert.Matches(@"stapled Good until", instances[3]!.Output);
            await WaitForHaproxyAsync(haproxy, "s4 is UP");
            var status = await ExternalTool.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{haproxy.Ports[1]}", "-servername", "localhost", "-status", "-CAfile", Path.Combine(pki, DevCertificateAuthority.RootCertFile)], TimeSpan.FromSeconds(15), string.Empty);
            Assert.Contains("Cert Status: good", status.Stdout, StringComparison.Ordinal);
            Assert.Contains("Verify return code: 0 (ok)", status.Stdout, StringComparison.Ordinal);
            output.WriteLine($"fleet test took {clock.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            foreach (CliProcess? instance in instances)
            {
                if (instance is not null)
                {
                    await instance.DisposeAsync();
                }
            }

            await responder.DisposeAsync();
        }
    }

    /// <summary>Each instance's stapling log lines (who fetched, who took the stored response, store trouble).</summary>
    private static string StaplingLines(CliProcess?[] instances) => string.Join('\n', instances.Select((p, i) => p is null ? string.Empty : $"s{i + 1}:\n" + string.Join('\n', p.Output.Split('\n').Where(static l => l.Contains("OCSP", StringComparison.Ordinal)))));

    private static string HaproxyConfig(int[] frontends, int[] backends) => $"""
        global
            log stderr format raw local0 info
            maxconn 1000
        defaults
            mode tcp
            log global
            option log-health-checks
            timeout connect 2s
            timeout client 30s
            timeout server 30s
        frontend fleet
            bind 127.0.0.1:{frontends[0]}
            default_backend fleet
        frontend late
            bind 127.0.0.1:{frontends[1]}
            default_backend late
        backend fleet
            balance roundrobin
            option httpchk GET /ready
            http-check expect status 200
            default-server send-proxy-v2 check check-ssl verify none inter 200ms fall 2 rise 1
            server s1 127.0.0.1:{backends[0]}
            server s2 127.0.0.1:{backends[1]}
            server s3 127.0.0.1:{backends[2]}
        backend late
            option httpchk GET /ready
            http-check expect status 200
            default-server send-proxy-v2 check check-ssl verify none inter 200ms fall 2 rise 1
            server s4 127.0.0.1:{backends[3]}
        """;

    private async Task<CliProcess> StartInstanceAsync(int index, int[] ports, string ocspUrl, string store)
    {
        string dir = Path.Combine(_dir, "instance" + index);
        Directory.CreateDirectory(dir);
        string pki = Path.Combine(_dir, "pki");
        var (serve, _) = await CliProcess.StartServeAsync(
            dir,
            "--listen", $"127.0.0.1:{ports[index]}",
            "--cert", Path.Combine(pki, DevCertificateAuthority.LeafCertFile),
            "--key", Path.Combine(pki, DevCertificateAuthority.LeafKeyFile),
            "--chain", Path.Combine(pki, DevCertificateAuthority.ChainFile),
            "--ocsp-url", ocspUrl,
            "--staple-store", store,
            "--proxy-protocol", "v2",
            "--proxy-trusted", "127.0.0.1/32",
            "--drain-delay", "1.5s",
            "--watch", "off");
        return serve;
    }

    private static TimeSpan Remaining(Stopwatch phase) => phase.Elapsed < s_phase ? s_phase - phase.Elapsed : TimeSpan.Zero;

    private static Task<(int, string, string)> Hey(string url, int requests, int concurrency, int qps) =>
        ExternalTool.RunAsync("hey", ["-n", requests.ToString(CultureInfo.InvariantCulture), "-c", concurrency.ToString(CultureInfo.InvariantCulture), "-q", qps.ToString(CultureInfo.InvariantCulture), "-disable-keepalive", "-t", "10", url], TimeSpan.FromSeconds(60));

    private static void AssertAllSucceeded(int exit, string heyOut, int requests)
    {
        Assert.Equal(0, exit);
        Assert.Matches($@"\[200\]\s+{requests} responses", heyOut);
        Assert.DoesNotContain("Error distribution", heyOut, StringComparison.Ordinal);
    }

    private static string Summary(string heyOut)
    {
        Match requests = Regex.Match(heyOut, @"Requests/sec:\s+([\d.]+)");
        Match codes = Regex.Match(heyOut, @"Status code distribution:\s+(.*?)(\n\n|$)", RegexOptions.Singleline);
        int errors = Regex.Count(heyOut, @"^\s+\[\d+\]\s+Get", RegexOptions.Multiline);
        int at = heyOut.IndexOf("Error distribution:", StringComparison.Ordinal);
        return $"hey: {requests.Groups[1].Value} req/s, {codes.Groups[1].Value.Trim()}, error lines {errors}{(at < 0 ? string.Empty : "\n" + heyOut[at..])}";
    }

    /// <summary>curl from a chosen local port: the instance must answer with exactly that address.</summary>
    private static async Task<(string Expected, string Seen)> WhoAmIAsync(string front)
    {
        for (int attempt = 0; ; attempt++)
        {
            int port = LoopbackPorts.Free();
            var curl = await ExternalTool.RunAsync("curl", ["-sk", "--local-port", port.ToString(CultureInfo.InvariantCulture), front + "whoami"], TimeSpan.FromSeconds(15));
            if (curl.ExitCode == 45 && attempt < 3)
            {
                continue; // the port was taken meanwhile
            }

            Assert.Equal(0, curl.ExitCode);
            return ($"127.0.0.1:{port}", curl.Stdout.Trim());
        }
    }

    private static async Task WaitForHaproxyAsync(HaproxyProcess haproxy, string text) =>
        await TestServerFactory.WaitUntilAsync(() => haproxy.FirstLogged(text) is not null, $"HAProxy logging '{text}'\n{haproxy.Log}", TimeSpan.FromSeconds(20));

    private static async Task<TimeSpan?> WaitForOutputAsync(CliProcess process, string text, Stopwatch clock, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < within)
        {
            if (process.Output.Contains(text, StringComparison.Ordinal))
            {
                return clock.Elapsed;
            }

            await Task.Delay(10);
        }

        return null;
    }
}
