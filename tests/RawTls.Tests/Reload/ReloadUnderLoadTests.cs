using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RawTls.Ocsp;
using Xunit.Abstractions;

namespace RawTls.Tests.Reload;

/// <summary>Certificate files rotated the ways real tools do it while new TLS connections keep arriving.</summary>
[Collection(RawTls.Tests.Infrastructure.TimingSensitive.Name)]
public class ReloadUnderLoadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Rotating_files_under_load_fails_no_handshake_and_serves_the_new_serial_within_a_second()
    {
        await using var f = ReloadFixture.Create();
        var (files, first) = f.AddCertificate("site", "localhost", "127.0.0.1");
        await f.StartAsync();

        // Every connection records when it finished and which serial it was served.
        var seen = new ConcurrentQueue<(long At, string Serial)>();
        var progress = new SemaphoreSlim(0); // released per handshake seen: waits are signalled, not polled
        var failures = new ConcurrentQueue<string>();
        long probes = 0, dotnetHandshakes = 0;
        using var stop = new CancellationTokenSource();
        var root = new X509Certificate2Collection(f.Ca.Root);

        async Task ProbeLoop(SslProtocols protocol)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    StapleProbeResult r = await f.ProbeAsync("localhost", protocol);
                    seen.Enqueue((Stopwatch.GetTimestamp(), ReloadFixture.SerialOf(r)));
                    progress.Release();
                    if (f.Problem(r) is { } problem)
                    {
                        failures.Enqueue($"probe {protocol}: {problem}");
                    }

                    Interlocked.Increment(ref probes);
                }
                catch (Exception ex)
                {
                    failures.Enqueue($"probe {protocol}: {ex.Message}");
                }
            }
        }

        async Task DotNetLoop()
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    // Full validation against the dev root: proves the served chain is complete and matches the leaf.
                    var options = new SslClientAuthenticationOptions
                    {
                        TargetHost = "localhost",
                        CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck },
                    };
                    options.CertificateChainPolicy.CustomTrustStore.AddRange(root);
                    using var tcp = new TcpClient();
                    await tcp.ConnectAsync(f.EndPoint);
                    await using var ssl = new SslStream(tcp.GetStream());
                    await ssl.AuthenticateAsClientAsync(options);
                    seen.Enqueue((Stopwatch.GetTimestamp(), ((X509Certificate2)ssl.RemoteCertificate!).SerialNumber));
                    progress.Release();
                    Interlocked.Increment(ref dotnetHandshakes);
                }
                catch (Exception ex)
                {
                    failures.Enqueue($"dotnet client: {ex.Message}");
                }
            }
        }

        Task load = Task.WhenAll(ProbeLoop(SslProtocols.Tls13), ProbeLoop(SslProtocols.Tls12), ProbeLoop(SslProtocols.Tls13), DotNetLoop(), DotNetLoop());
        var latencies = new List<(string How, TimeSpan Latency)>();
        try
        {
            await TestWait(progress, () => seen.Count >= 20, "the load to be running");
            var rotations = new (string How, Func<X509Certificate2, Task> Write)[]
            {
                ("key first, then cert", leaf => files.WriteKeyFirstThenCertAsync(leaf, f.Ca.Intermediate)),
                ("truncate then write", leaf => files.WriteTruncateThenWriteAsync(leaf, f.Ca.Intermediate)),
                ("rename over", leaf => files.WriteRenameOverAsync(leaf, f.Ca.Intermediate)),
                ("key first, then cert (again)", leaf => files.WriteKeyFirstThenCertAsync(leaf, f.Ca.Intermediate)),
            };
            foreach (var (how, write) in rotations)
            {
                X509Certificate2 next = f.Issue("localhost", "127.0.0.1");
                await write(next);
                long validAt = Stopwatch.GetTimestamp(); // the last step is done: from here the set on disk is complete and valid
                await TestWait(progress, () => seen.Any(s => s.Serial == next.SerialNumber && s.At > validAt), $"serial {next.SerialNumber} served after '{how}'");
                long servedAt = seen.Where(s => s.Serial == next.SerialNumber).Min(s => s.At);
                latencies.Add((how, Stopwatch.GetElapsedTime(validAt, servedAt)));
                int after = seen.Count + 20; // load keeps running on the new certificate for a while
                await TestWait(progress, () => seen.Count >= after, "handshakes on the new certificate");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }

        foreach (var (how, latency) in latencies)
        {
            output.WriteLine($"{how}: new serial served {latency.TotalMilliseconds:F0} ms after the files became valid");
        }

        output.WriteLine($"handshakes: {probes} stapled probes + {dotnetHandshakes} .NET clients, {failures.Count} failures, server counted {f.Server.Metrics.HandshakesCompleted} completed / {f.Server.Metrics.HandshakesFailed} failed, {f.LoadErrors} load errors");
        Assert.Empty(failures);
        Assert.Equal(0, f.Server.Metrics.HandshakesFailed);
        Assert.All(latencies, l => Assert.True(l.Latency < TimeSpan.FromSeconds(1), $"{l.How}: {l.Latency.TotalMilliseconds:F0} ms"));
        Assert.True(probes > 50, $"only {probes} stapled handshakes");
        Assert.True(dotnetHandshakes > 50, $"only {dotnetHandshakes} .NET handshakes");
        Assert.NotEqual(first.SerialNumber, f.Server.Certificates[0].Current.Leaf.SerialNumber);
        Assert.Equal(4, f.Recorded.Sum("rawtls.certificate.loads", "ok") - 1);
    }

    /// <summary>Waits for <paramref name="condition"/>, re-checked each time a handshake signals <paramref name="progress"/>.</summary>
    private static async Task TestWait(SemaphoreSlim progress, Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            TimeSpan left = TimeSpan.FromSeconds(5) - watch.Elapsed;
            if (left <= TimeSpan.Zero || !await progress.WaitAsync(left))
            {
                throw new Xunit.Sdk.XunitException($"timed out waiting for: {what}");
            }
        }
    }
}
