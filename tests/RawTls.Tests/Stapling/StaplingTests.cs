using System.Security.Authentication;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Server;
using RawTls.Stapling;

namespace RawTls.Tests.Stapling;

public class StaplingTests
{
    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task First_handshake_is_stapled_with_a_valid_good_response(SslProtocols protocol)
    {
        await using var f = StaplingFixture.Create();
        await f.StartServerAsync();

        StapleProbeResult result = await f.ProbeAsync(protocol);

        Assert.Equal(protocol, result.NegotiatedProtocol);
        Assert.NotNull(result.OcspResponse);
        Assert.Equal(f.Holder.Current.Staple!.Response.ToArray(), result.OcspResponse);
        Assert.Equal(f.Ca.Leaf.RawData, result.ServerCertificateChain[0]);
        OcspValidationResult v = f.ValidateAsClient(result.OcspResponse!);
        Assert.Equal(OcspVerdict.Good, v.Verdict);
        Assert.Equal(1, f.Responder.RequestCount);
    }

    [Fact]
    public async Task Responder_down_at_start_serves_unstapled_then_staples_once_it_answers()
    {
        await using var f = StaplingFixture.Create();
        f.Responder.FaultHook = _ => OcspFault.Status(503);
        // The 503 comes at once; the fixture's 2 s fetch timeout once ran out first while the whole suite was starting.
        await f.StartServerAsync(o => o.Stapling.FetchTimeout = o.Stapling.StartupWait);

        Assert.Null((await f.ProbeAsync()).OcspResponse);
        StapleStatus status = f.Holder.StaplingStatus!;
        Assert.Equal("http_error", status.LastResult);
        Assert.Equal(1, status.ConsecutiveFailures);
        Assert.True(status.Serving);

        f.Responder.FaultHook = null;
        await f.Holder.RefreshStapleAsync();

        var probe = await f.ProbeAsync();
        Assert.NotNull(probe.OcspResponse);
        Assert.Equal(OcspVerdict.Good, f.ValidateAsClient(probe.OcspResponse!).Verdict);
    }

    [Fact]
    public async Task Responder_down_at_start_uses_a_valid_cached_staple()
    {
        string cache = Directory.CreateTempSubdirectory("rawtls-staples-").FullName;
        try
        {
            await using var f = StaplingFixture.Create();
            byte[] first;
            await using (var warm = new TlsServer(new TlsServerOptions(), static _ => default))
            {
                await f.StartServerAsync(o => o.Stapling.CacheDirectory = cache);
                first = f.Holder.Current.Staple!.Response.ToArray();
                await f.Server.DisposeAsync();
            }

            Assert.Single(Directory.GetFiles(cache, "*.ocsp"));
            f.Responder.FaultHook = _ => OcspFault.Drop();
            await f.StartServerAsync(o => o.Stapling.CacheDirectory = cache);

            var probe = await f.ProbeAsync();
            Assert.Equal(first, probe.OcspResponse);
            StapleStatus status = f.Holder.StaplingStatus!;
            Assert.True(status.FromStore);
            Assert.Equal("store:good", status.LastResult); // valid staple in hand: no fetch at start, refreshed on schedule
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [Fact]
    public async Task Require_mode_refuses_handshakes_until_a_staple_arrives()
    {
        await using var f = StaplingFixture.Create();
        f.Responder.FaultHook = _ => OcspFault.Status(500);
        await f.StartServerAsync(o => o.Stapling.Mode = StaplingMode.Require);

        Assert.False(f.Holder.IsServing);
        await Assert.ThrowsAnyAsync<IOException>(() => f.ProbeAsync());

        f.Responder.FaultHook = null;
        await f.Holder.RefreshStapleAsync();
        Assert.True(f.Holder.IsServing);
        Assert.NotNull((await f.ProbeAsync()).OcspResponse);
    }

    [Fact]
    public async Task Must_staple_certificate_is_served_in_require_mode()
    {
        await using var f = StaplingFixture.Create(mustStaple: true);
        await f.StartServerAsync();
        Assert.Equal(StaplingMode.Require, f.Holder.StaplingMode);
        Assert.True(f.Holder.IsServing, f.Holder.StaplingStatus!.ToString());
        Assert.True(f.Holder.StaplingStatus!.AdapterActive);
        Assert.NotNull(f.Holder.Current.Staple);
        Assert.NotNull((await f.ProbeAsync(SslProtocols.Tls12)).OcspResponse);
        Assert.NotNull((await f.ProbeAsync(SslProtocols.Tls13)).OcspResponse);
    }

    [Fact]
    public async Task Revoked_after_good_is_stapled_truthfully_and_never_rolls_back_to_good()
    {
        await using var f = StaplingFixture.Create();
        await f.StartServerAsync();
        byte[] good = f.Holder.Current.Staple!.Response.ToArray();

        f.Ca.Revoke(f.Ca.Leaf.SerialNumber, OcspRevocationReason.KeyCompromise);
        await f.Holder.RefreshStapleAsync();

        var probe = await f.ProbeAsync();
        Assert.Equal(OcspVerdict.Revoked, f.ValidateAsClient(probe.OcspResponse!).Verdict);
        Assert.True(f.Holder.StaplingStatus!.RevokedSeen);

        // A responder that flips back to GOOD is not believed.
        f.Responder.FaultHook = _ => OcspFault.Response(new OcspResponseBuilder(f.Time)
            .ForCertificate(f.Ca.Leaf, f.Ca.Intermediate).Good()
            .ThisUpdate(f.Time.GetUtcNow()).NextUpdate(f.Time.GetUtcNow().AddHours(1))
            .SignedByIssuer(f.Ca.Intermediate).Build());
        await f.Holder.RefreshStapleAsync();

        Assert.Equal("rejected:good_after_revoked", f.Holder.StaplingStatus!.LastResult);
        Assert.Equal(OcspVerdict.Revoked, f.ValidateAsClient((await f.ProbeAsync()).OcspResponse!).Verdict);
        Assert.NotEqual(good, (await f.ProbeAsync()).OcspResponse);
    }

    [Fact]
    public async Task Revoked_with_stop_serving_policy_fails_handshakes_and_raises_the_event()
    {
        await using var f = StaplingFixture.Create();
        var raised = new TaskCompletionSource<CertificateRevokedEventArgs>();
        await f.StartServerAsync(o =>
        {
            o.Stapling.RevokedPolicy = RevokedCertificatePolicy.StopServing;
            o.Stapling.CertificateRevoked += (_, e) => raised.TrySetResult(e);
        });

        f.Ca.Revoke(f.Ca.Leaf.SerialNumber);
        await f.Holder.RefreshStapleAsync();

        var e = await raised.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(OcspCertificateStatus.Revoked, e.Staple.Status);
        Assert.False(f.Holder.IsServing);
        await Assert.ThrowsAnyAsync<IOException>(() => f.ProbeAsync());
    }
}
