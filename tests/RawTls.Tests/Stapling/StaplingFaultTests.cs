using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Stapling;

namespace RawTls.Tests.Stapling;

/// <summary>
/// Every responder fault, with a valid staple already held: the fault is counted, the held staple keeps
/// being served unchanged, and nothing invalid is ever stapled.
/// </summary>
[Collection(RawTls.Tests.Infrastructure.TimingSensitive.Name)]
public class StaplingFaultTests
{
    public static TheoryData<string, string> Faults => new()
    {
        { "slow", "timeout" },
        { "http500", "http_error" },
        { "garbage", "rejected:malformed" },
        { "huge", "too_large" },
        { "wrong-signer", "rejected:" },
        { "delegate-without-eku", "rejected:unauthorized_signer" },
        { "other-serial", "rejected:cert_id_mismatch" },
        { "expired", "rejected:expired" },
        { "future", "rejected:not_yet_valid" },
        { "unknown", "unknown" },
        { "trylater", "rejected:try_later" },
        { "redirect-loop", "redirect_limit" },
        { "rollback", "rejected:rollback" },
        { "no-next-update", "rejected:missing_next_update" },
        { "drop", "network_error" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Fault_keeps_the_valid_staple_and_is_reported(string fault, string expectedResult)
    {
        await using var f = StaplingFixture.Create();
        await f.StartServerAsync(o => o.Stapling.FetchTimeout = TimeSpan.FromSeconds(2));
        byte[] held = f.Holder.Current.Staple!.Response.ToArray();
        f.Responder.FaultHook = FaultFor(fault, f);

        await f.Holder.RefreshStapleAsync();

        StapleStatus status = f.Holder.StaplingStatus!;
        Assert.StartsWith(expectedResult, status.LastResult, StringComparison.Ordinal);
        Assert.Equal(1, status.ConsecutiveFailures);
        Assert.NotNull(status.LastError);
        Assert.NotNull(status.NextRefresh);
        Assert.Equal(held, f.Holder.Current.Staple!.Response.ToArray());
        var probe = await f.ProbeAsync();
        Assert.Equal(held, probe.OcspResponse);
        Assert.Equal(OcspVerdict.Good, f.ValidateAsClient(probe.OcspResponse!).Verdict);
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Fault_at_start_never_staples_anything(string fault, string expectedResult)
    {
        _ = expectedResult;
        await using var f = StaplingFixture.Create();
        f.Responder.FaultHook = FaultFor(fault, f);

        await f.StartServerAsync(o => o.Stapling.FetchTimeout = TimeSpan.FromSeconds(2));

        if (fault == "rollback")
        {
            // Nothing held yet: an older-but-valid response is simply the first staple.
            Assert.NotNull(f.Holder.Current.Staple);
            return;
        }

        Assert.Null(f.Holder.Current.Staple);
        Assert.True(f.Holder.IsServing); // Auto mode: served unstapled
        Assert.Null((await f.ProbeAsync()).OcspResponse);
    }

    /// <summary>The responder behaviour for one fault; "rollback" answers a valid response 30 minutes older than any fresh one.</summary>
    private static Func<OcspRequestContext, OcspFault?> FaultFor(string fault, StaplingFixture f)
    {
        DateTimeOffset now = f.Time.GetUtcNow();
        OcspResponseBuilder Build() => new OcspResponseBuilder(f.Time).ForCertificate(f.Ca.Leaf, f.Ca.Intermediate).Good()
            .ThisUpdate(now.AddMinutes(-1)).NextUpdate(now.AddHours(1)).SignedByIssuer(f.Ca.Intermediate);
        byte[]? older = fault == "rollback" ? Build().ThisUpdate(now.AddMinutes(-30)).Build() : null;
        return fault switch
        {
            "slow" => _ => OcspFault.Delayed(TimeSpan.FromSeconds(4)),
            "http500" => _ => OcspFault.Status(500),
            "garbage" => _ => OcspFault.RawBody("this is not DER"u8.ToArray(), contentType: "application/ocsp-response"),
            "huge" => _ => OcspFault.RawBody(new byte[2 * 1024 * 1024], contentType: "application/ocsp-response"),
            "wrong-signer" => _ => OcspFault.Response(Build().SignedByIssuer(f.Ca.Root).Build()),
            "delegate-without-eku" => _ => OcspFault.Response(Build().SignedByDelegate(f.Ca.IssueOcspResponderCertificate(includeOcspSigningEku: false)).Build()),
            "other-serial" => _ => OcspFault.Response(new OcspResponseBuilder(f.Time).ForSerial("0123456789", f.Ca.Intermediate).Good()
                .ThisUpdate(now).NextUpdate(now.AddHours(1)).SignedByIssuer(f.Ca.Intermediate).Build()),
            "expired" => _ => OcspFault.Response(Build().ThisUpdate(now.AddDays(-2)).NextUpdate(now.AddDays(-1)).Build()),
            "future" => _ => OcspFault.Response(Build().ThisUpdate(now.AddHours(2)).NextUpdate(now.AddHours(3)).Build()),
            "unknown" => _ => OcspFault.Response(Build().Unknown().Build()),
            "trylater" => _ => OcspFault.Response(OcspResponseBuilder.BuildError(RawTls.Ocsp.OcspResponseStatus.TryLater)),
            "redirect-loop" => _ => OcspFault.Redirect(f.Responder.Url.ToString()),
            "rollback" => _ => OcspFault.Response(older!),
            "no-next-update" => _ => OcspFault.Response(Build().NextUpdate(null).Build()),
            "drop" => _ => OcspFault.Drop(),
            _ => throw new ArgumentException(fault),
        };
    }
}
