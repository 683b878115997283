using Microsoft.Extensions.Time.Testing;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Stapling;

namespace RawTls.Tests.Stapling;

/// <summary>Refresh schedule, backoff and expiry under a fake clock: no waiting for real time.</summary>
[Collection(RawTls.Tests.Infrastructure.TimingSensitive.Name)]
public class StaplingScheduleTests
{
    private static FakeTimeProvider NewClock() => new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Refreshes_at_half_the_validity_window_and_publishes_the_new_response()
    {
        var clock = NewClock();
        await using var f = StaplingFixture.Create(clock, validity: TimeSpan.FromHours(2));
        await f.StartServerAsync();
        OcspStaple first = f.Holder.Current.Staple!;
        StapleStatus status = f.Holder.StaplingStatus!;

        // thisUpdate is backdated by the responder; the refresh is due halfway to nextUpdate (jitter off).
        DateTimeOffset expected = first.ThisUpdate + ((first.NextUpdate - first.ThisUpdate) / 2);
        Assert.Equal(expected, status.NextRefresh);
        long requests = f.Responder.RequestCount;

        clock.Advance(expected - clock.GetUtcNow() - TimeSpan.FromSeconds(1));
        Assert.Equal(requests, f.Responder.RequestCount); // not yet

        clock.Advance(TimeSpan.FromSeconds(2));
        await WaitForAsync(f, () => f.Holder.Current.Staple!.ThisUpdate > first.ThisUpdate, "the refreshed staple");
        Assert.Equal(requests + 1, f.Responder.RequestCount); // exactly one fetch for the due refresh
        Assert.Equal(f.Holder.Current.Staple!.Response.ToArray(), (await f.ProbeAsync()).OcspResponse);
        Assert.True(f.Holder.Current.Version > 1);
    }

    [Fact]
    public async Task Failures_back_off_exponentially_and_the_staple_is_dropped_before_it_expires()
    {
        var clock = NewClock();
        await using var f = StaplingFixture.Create(clock, validity: TimeSpan.FromHours(1));
        await f.StartServerAsync(o =>
        {
            o.Stapling.RetryBaseDelay = TimeSpan.FromSeconds(10);
            o.Stapling.RetryMaxDelay = TimeSpan.FromMinutes(5);
            o.Stapling.ExpiryMargin = TimeSpan.FromMinutes(1);
        });
        OcspStaple staple = f.Holder.Current.Staple!;
        f.Responder.FaultHook = _ => OcspFault.Status(500);

        // Jump to the scheduled refresh: it fails, and each retry waits twice as long (10 s, 20 s, 40 s ...).
        clock.Advance(f.Holder.StaplingStatus!.NextRefresh!.Value - clock.GetUtcNow());
        var delays = new List<TimeSpan>();
        for (int i = 1; i <= 4; i++)
        {
            await WaitForAsync(f, () => f.Holder.StaplingStatus!.ConsecutiveFailures == i, $"failure {i}");
            TimeSpan delay = f.Holder.StaplingStatus!.NextRefresh!.Value - clock.GetUtcNow();
            delays.Add(delay);
            clock.Advance(delay);
        }

        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(80)], delays);
        Assert.Equal(staple.Response.ToArray(), f.Holder.Current.Staple!.Response.ToArray()); // still valid: still served

        // Keep failing until the staple is about to expire: it is dropped at nextUpdate - margin, never served expired.
        DateTimeOffset dropAt = staple.NextUpdate - TimeSpan.FromMinutes(1);
        using (var signal = new StatusSignal(f.Holder))
        {
            while (clock.GetUtcNow() < dropAt)
            {
                DateTimeOffset next = f.Holder.StaplingStatus!.NextRefresh!.Value;
                TimeSpan step = next - clock.GetUtcNow();
                clock.Advance(step > TimeSpan.Zero ? step : TimeSpan.FromSeconds(1));
                // The attempt itself, not just the drop: a fetch still in flight would move NextRefresh after it is read below.
                await signal.WaitAsync(st => st.LastAttempt >= next, $"the attempt due at {next:O}");
            }
        }

        await WaitForAsync(f, () => f.Holder.Current.Staple is null, "the staple to be dropped");
        Assert.True(f.Holder.IsServing); // Auto: unstapled rather than expired
        Assert.Null((await f.ProbeAsync()).OcspResponse);

        // The responder recovers: the next attempt staples again.
        f.Responder.FaultHook = null;
        clock.Advance(f.Holder.StaplingStatus!.NextRefresh!.Value - clock.GetUtcNow() + TimeSpan.FromSeconds(1));
        await WaitForAsync(f, () => f.Holder.Current.Staple is not null, "a fresh staple");
        Assert.Equal(OcspVerdict.Good, f.ValidateAsClient((await f.ProbeAsync()).OcspResponse!).Verdict);
    }

    [Fact]
    public async Task Require_mode_stops_serving_when_the_staple_expires()
    {
        var clock = NewClock();
        await using var f = StaplingFixture.Create(clock, validity: TimeSpan.FromMinutes(30));
        await f.StartServerAsync(o => o.Stapling.Mode = StaplingMode.Require);
        Assert.True(f.Holder.IsServing);
        f.Responder.FaultHook = _ => OcspFault.Drop();

        clock.Advance(TimeSpan.FromMinutes(31));
        await WaitForAsync(f, () => !f.Holder.IsServing, "the certificate to stop being served");
        await Assert.ThrowsAnyAsync<IOException>(() => f.ProbeAsync());
    }

    [Fact]
    public async Task Jitter_spreads_refreshes_within_bounds()
    {
        var clock = NewClock();
        await using var f = StaplingFixture.Create(clock, validity: TimeSpan.FromHours(2));
        await f.StartServerAsync(o =>
        {
            o.Stapling.Jitter = 0.2;
            o.Stapling.Random = new Random(42);
        });
        OcspStaple s = f.Holder.Current.Staple!;
        TimeSpan half = (s.NextUpdate - s.ThisUpdate) / 2;
        TimeSpan delay = f.Holder.StaplingStatus!.NextRefresh!.Value - clock.GetUtcNow();
        TimeSpan nominal = s.ThisUpdate + half - clock.GetUtcNow();
        Assert.InRange(delay, nominal * 0.8, nominal * 1.2);
        Assert.NotEqual(nominal, delay);
    }

    /// <summary>Waits for <paramref name="condition"/>, re-checked on every stapling status change (a signal, not a poll).</summary>
    private static async Task WaitForAsync(StaplingFixture f, Func<bool> condition, string what)
    {
        using var signal = new StatusSignal(f.Holder);
        await signal.WaitAsync(_ => condition(), what);
    }
}
