using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using RawTls.Certificates;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Stapling.Internal;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Stapling;

/// <summary>Handshakes under load while the stapled context is swapped every few milliseconds.</summary>
[Collection(RawTls.Tests.Infrastructure.TimingSensitive.Name)]
public class StaplingUnderLoadTests
{
    [Fact]
    public async Task Swapping_staples_every_few_ms_under_load_fails_no_handshake_and_never_mismatches()
    {
        await using var f = StaplingFixture.Create();
        await f.StartServerAsync();
        CertificateHolder holder = f.Holder;
        CertificateBundle bundle = holder.Current.Bundle;
        DateTimeOffset now = f.Time.GetUtcNow();

        // A pool of distinct valid staples (different thisUpdate), each one the server could legitimately serve.
        var staples = new List<OcspStaple>();
        for (int i = 0; i < 8; i++)
        {
            byte[] der = new OcspResponseBuilder(f.Time).ForCertificate(f.Ca.Leaf, f.Ca.Intermediate).Good()
                .ThisUpdate(now.AddSeconds(-60 - i)).NextUpdate(now.AddHours(1)).SignedByIssuer(f.Ca.Intermediate).Build();
            var v = f.ValidateAsClient(der);
            staples.Add(new OcspStaple(der, OcspCertificateStatus.Good, v.ThisUpdate!.Value, v.NextUpdate!.Value, v.ProducedAt!.Value, null, now));
        }

        var valid = new HashSet<string>(staples.Select(s => Convert.ToHexString(s.Response.Span)));
        valid.Add(Convert.ToHexString(holder.Current.Staple!.Response.Span));

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        long swaps = 0;
        Task swapper = Task.Run(async () =>
        {
            int i = 0;
            while (!stop.IsCancellationRequested)
            {
                OcspStaple s = staples[i++ % staples.Count];
                holder.Publish(StapledContextFactory.Create(bundle, stapling: true, s, s.NextUpdate - TimeSpan.FromMinutes(1), f.Time, holder.NextVersion()), serve: true);
                Interlocked.Increment(ref swaps);
                await Task.Delay(2);
            }
        });

        long probes = 0, dotnetHandshakes = 0;
        var failures = new ConcurrentQueue<string>();
        async Task ProbeLoop(SslProtocols protocol)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    StapleProbeResult r = await f.ProbeAsync(protocol);
                    if (r.OcspResponse is null || !valid.Contains(Convert.ToHexString(r.OcspResponse)))
                    {
                        failures.Enqueue("staple missing or not one we published");
                    }
                    else if (!r.ServerCertificateChain[0].AsSpan().SequenceEqual(f.Ca.Leaf.RawData)
                        || f.ValidateAsClient(r.OcspResponse).Verdict != OcspVerdict.Good)
                    {
                        failures.Enqueue("staple does not validate for the served leaf");
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
            var options = new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = static (_, _, _, _) => true };
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var tcp = new TcpClient();
                    await tcp.ConnectAsync(f.EndPoint);
                    await using var ssl = new SslStream(tcp.GetStream());
                    await ssl.AuthenticateAsClientAsync(options);
                    Interlocked.Increment(ref dotnetHandshakes);
                }
                catch (Exception ex)
                {
                    failures.Enqueue($"dotnet client: {ex.Message}");
                }
            }
        }

        await Task.WhenAll(ProbeLoop(SslProtocols.Tls13), ProbeLoop(SslProtocols.Tls12), ProbeLoop(SslProtocols.Tls13), DotNetLoop(), DotNetLoop(), swapper);

        Assert.Empty(failures);
        Assert.True(swaps > 200, $"only {swaps} swaps");
        Assert.True(probes > 50, $"only {probes} stapled handshakes");
        Assert.True(dotnetHandshakes > 50, $"only {dotnetHandshakes} .NET handshakes");
        Assert.Equal(0, f.Server.Metrics.HandshakesFailed);
    }

    [Fact]
    public async Task Tls13_resumption_survives_staple_swaps_and_openssl_sees_the_staple()
    {
        await using var f = StaplingFixture.Create();
        // Answer one read, then close: s_client (with -ign_eof) exits once the server is done.
        await f.StartServerAsync(handler: static async c =>
        {
            var read = await c.Transport.Input.ReadAsync();
            foreach (var segment in read.Buffer)
            {
                await c.Transport.Output.WriteAsync(segment);
            }

            c.Transport.Input.AdvanceTo(read.Buffer.End);
        });
        string dir = Directory.CreateTempSubdirectory("rawtls-sess-").FullName;
        try
        {
            string session = Path.Combine(dir, "session.pem");
            string root = Path.Combine(dir, "root.pem");
            await File.WriteAllTextAsync(root, f.Ca.Root.ExportCertificatePem());
            string[] common = ["s_client", "-connect", $"127.0.0.1:{f.EndPoint.Port}", "-servername", "localhost", "-tls1_3", "-status", "-CAfile", root];

            // openssl only writes the TLS 1.3 ticket once it has read it: send a request and wait for the answer.
            var first = await ExternalTool.RunAsync("openssl", [.. common, "-sess_out", session, "-ign_eof"], TimeSpan.FromSeconds(15), "ping\n");
            Assert.Contains("OCSP Response Status: successful", first.Stdout, StringComparison.Ordinal);
            Assert.Contains("Cert Status: good", first.Stdout, StringComparison.Ordinal);
            Assert.Contains("Verify return code: 0 (ok)", first.Stdout, StringComparison.Ordinal);

            for (int i = 0; i < 3; i++)
            {
                await f.Holder.RefreshStapleAsync();
                f.Responder.FaultHook = null;
            }

            long versionBefore = f.Holder.Current.Version;
            var bundle = f.Holder.Current.Bundle;
            f.Holder.Publish(StapledContextFactory.Create(bundle, stapling: true, f.Holder.Current.Staple, f.Holder.Current.StapleServedUntil, f.Time, f.Holder.NextVersion()), serve: true);
            Assert.True(f.Holder.Current.Version > versionBefore);

            var resumed = await ExternalTool.RunAsync("openssl", [.. common, "-sess_in", session, "-ign_eof"], TimeSpan.FromSeconds(15), "ping\n");
            Assert.Contains("Reused, TLSv1.3", resumed.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
