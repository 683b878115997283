using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using RawTls.Certificates;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Kestrel;

[Collection(TimingSensitive.Name)]
public class KestrelSwapUnderLoadTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Staple_refreshes_and_certificate_reloads_under_load_fail_no_request()
    {
        await using var f = KestrelFixture.Create();
        var (files, _) = f.WriteCertificate("site", "localhost");
        f.WriteSettings();
        await f.StartAsync();
        CertificateHolder holder = f.Stapling.Certificates[0];
        long versionBefore = holder.Current.Version;

        const int Requests = 400;
        var deadline = Stopwatch.StartNew();
        var failures = new ConcurrentQueue<string>();
        var serials = new ConcurrentDictionary<string, int>();
        int issued = 0, succeeded = 0;
        using var done = new CancellationTokenSource();

        async Task WorkerAsync()
        {
            using HttpClient client = f.CreateClient(newConnectionPerRequest: true); // a full handshake per request
            while (Interlocked.Increment(ref issued) <= Requests && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                try
                {
                    using var response = await client.GetAsync("/");
                    string body = await response.Content.ReadAsStringAsync();
                    if (body == "hello from kestrel")
                    {
                        Interlocked.Increment(ref succeeded);
                    }
                    else
                    {
                        failures.Enqueue($"{(int)response.StatusCode}: {body}");
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    failures.Enqueue(ex.GetBaseException().Message);
                }
            }
        }

        async Task SwapperAsync()
        {
            int round = 0;
            while (!done.IsCancellationRequested && round < 200)
            {
                if (round % 4 == 3)
                {
                    X509Certificate2 next = f.Ca.IssueLeaf(["localhost"]);
                    files.Write(next, f.Ca.Intermediate);
                    await f.Stapling.ReloadCertificatesAsync();
                }
                else
                {
                    await holder.RefreshStapleAsync();
                }

                serials[holder.Current.Leaf.SerialNumber] = 1;
                round++;
                await Task.Delay(20);
            }
        }

        Task swapper = SwapperAsync();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => WorkerAsync()));
        await done.CancelAsync();
        await swapper;

        output.WriteLine($"{succeeded}/{Requests} requests in {deadline.Elapsed.TotalSeconds:0.0} s, {holder.Current.Version - versionBefore} context swaps, {serials.Count} serials, {failures.Count} failures");
        Assert.Empty(failures);
        Assert.Equal(Requests, succeeded);
        Assert.True(holder.Current.Version - versionBefore >= 10, $"only {holder.Current.Version - versionBefore} swaps happened during the load");
        Assert.True(serials.Count >= 2, "no certificate reload happened during the load");
        Assert.NotNull((await f.ProbeAsync()).OcspResponse);
    }
}
