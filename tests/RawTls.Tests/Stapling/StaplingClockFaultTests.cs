using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Stapling;
using RawTls.Stapling.Internal;
using Xunit.Abstractions;

namespace RawTls.Tests.Stapling;

/// <summary>
/// The server's wall clock steps by minutes, hours and days, either way, while a staple is valid and while fetches
/// back off. The responder keeps true time (the elapsed clock); only the server's clock is wrong, then set right.
/// Every step of the simulation probes a real handshake and checks the staple against the server's own clock.
/// </summary>
[Collection(RawTls.Tests.Infrastructure.TimingSensitive.Name)]
public sealed class StaplingClockFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_validity = TimeSpan.FromHours(4);
    private static readonly TimeSpan s_observed = TimeSpan.FromHours(1);
    private static readonly RefreshSettings s_settings = RefreshSettings.From(new StaplingOptions { Jitter = 0 });

    public static TheoryData<int, bool> Steps()
    {
        var data = new TheoryData<int, bool>();
        foreach (bool backoff in new[] { false, true })
        {
            foreach (int minutes in new[] { 10, -10, 3 * 60, -3 * 60, 2 * 24 * 60, -2 * 24 * 60 })
            {
                data.Add(minutes, backoff);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task A_wall_clock_step_never_serves_outside_the_window_starts_no_fetch_storm_and_recovers(int stepMinutes, bool duringBackoff)
    {
        var elapsed = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var wall = new SteppedClock(elapsed);
        await using var f = StaplingFixture.Create(elapsed, validity: s_validity);
        var fetches = new ConcurrentQueue<DateTimeOffset>(); // elapsed instants of responder requests
        int failing = 0;
        f.Responder.FaultHook = _ =>
        {
            fetches.Enqueue(elapsed.GetUtcNow());
            return Volatile.Read(ref failing) == 1 ? OcspFault.Status(500) : null;
        };
        await f.StartServerAsync(o => o.TimeProvider = wall);
        var sim = new Simulation(f, wall);
        OcspStaple first = f.Holder.Current.Staple!;

        if (duringBackoff)
        {
            // The refresh falls due and fails, and so does the first retry: the step lands in backoff.
            Volatile.Write(ref failing, 1);
            await sim.RunAsync(s_validity, () => f.Holder.StaplingStatus!.ConsecutiveFailures >= 2);
            Assert.Equal(2, f.Holder.StaplingStatus!.ConsecutiveFailures);
        }
        else
        {
            await sim.RunAsync(TimeSpan.FromMinutes(10));
        }

        // The step. The held staple's fate is judged by the server's clock from now on.
        int before = fetches.Count;
        wall.Offset = TimeSpan.FromMinutes(stepMinutes);
        OcspStaple? held = f.Holder.Current.Staple;
        bool heldOutside = held is not null && !RefreshPolicy.Servable(held, wall.GetUtcNow(), s_settings);
        sim.ResetCounts();
        byte[]? servedAfterCheck = await sim.AfterStepAsync(); // within one wall-clock check, not at its elapsed-time schedule
        if (heldOutside)
        {
            Assert.NotEqual(held!.Response.ToArray(), servedAfterCheck);
        }

        await sim.RunAsync(s_observed - Stapler.WallClockCheck);
        DateTimeOffset[] after = [.. fetches.Skip(before)];

        // No storm: consecutive fetches at least the policy's gap apart, and no more than its floor and backoff allow.
        TimeSpan gap = RefreshPolicy.Gap(s_validity, s_settings);
        for (int i = 1; i < after.Length; i++)
        {
            Assert.True(after[i] - after[i - 1] >= gap, $"fetches {after[i] - after[i - 1]} apart (gap {gap})");
        }

        int bound = FetchBound(s_observed, s_validity, s_settings);
        Assert.InRange(after.Length, 0, bound);

        // The responder answers and the clock is set right: a fresh staple follows, judged by the corrected clock.
        DateTimeOffset reference = f.Holder.Current.Staple is { } current && current.ThisUpdate > first.ThisUpdate ? current.ThisUpdate : first.ThisUpdate;
        bool heldAtCorrection = f.Holder.Current.Staple is not null;
        (int probes, int stapled) = (sim.Probes, sim.Stapled);
        Volatile.Write(ref failing, 0);
        wall.Offset = TimeSpan.Zero;
        DateTimeOffset correctedAt = elapsed.GetUtcNow();
        await sim.AfterStepAsync();
        await sim.RunAsync(s_validity, () => f.Holder.Current.Staple is { } s && s.ThisUpdate > reference);
        OcspStaple fresh = f.Holder.Current.Staple!;
        Assert.True(fresh.ThisUpdate > reference, "no fresh staple after the clock was set right");
        TimeSpan took = elapsed.GetUtcNow() - correctedAt;
        TimeSpan limit = (heldAtCorrection ? s_validity / 2 : TimeSpan.Zero) + s_settings.RetryMaxDelay + Stapler.WallClockCheck;
        Assert.True(took <= limit, $"fresh staple {took} after the correction (limit {limit})");
        Assert.Equal(fresh.Response.ToArray(), (await f.ProbeAsync()).OcspResponse);

        output.WriteLine($"step {stepMinutes} min, backoff {duringBackoff}: {after.Length} fetches in the next hour (bound {bound}); " +
            $"stapled {stapled}/{probes} probes in that hour; held staple outside window after step: {heldOutside}; fresh staple {took.TotalMinutes:F1} min after the correction");
    }

    [Theory]
    [InlineData(10)]
    [InlineData(3 * 60)]
    [InlineData(2 * 24 * 60)]
    public async Task A_suspend_that_steps_everyone_s_wall_clock_forward_refetches_within_a_minute_once_a_refresh_is_due(int stepMinutes)
    {
        // Suspend and resume: the wall clock jumps for the server and the responder alike, elapsed time does not.
        var elapsed = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var wall = new SteppedClock(elapsed);
        await using var f = StaplingFixture.Create(wall, validity: s_validity);
        var fetches = new ConcurrentQueue<DateTimeOffset>();
        f.Responder.FaultHook = _ =>
        {
            fetches.Enqueue(elapsed.GetUtcNow());
            return null;
        };
        await f.StartServerAsync();
        var sim = new Simulation(f, wall);
        await sim.RunAsync(TimeSpan.FromMinutes(10));
        OcspStaple held = f.Holder.Current.Staple!;
        DateTimeOffset due = f.Holder.StaplingStatus!.NextRefresh!.Value;
        int before = fetches.Count;

        DateTimeOffset stepAt = elapsed.GetUtcNow();
        wall.Offset = TimeSpan.FromMinutes(stepMinutes);
        bool refreshDue = wall.GetUtcNow() >= due;
        sim.ResetCounts();
        byte[]? served = await sim.AfterStepAsync();
        await sim.RunAsync(s_observed - Stapler.WallClockCheck);
        int after = fetches.Count - before;

        if (refreshDue)
        {
            // Fetched at the first look at the wall clock, not at the refresh's elapsed-time schedule.
            Assert.NotNull(served);
            Assert.NotEqual(held.Response.ToArray(), served);
            Assert.True(fetches.Skip(before).First() <= stepAt + Stapler.WallClockCheck, "the due refresh waited for its elapsed-time schedule");
            Assert.InRange(after, 1, FetchBound(s_observed, s_validity, s_settings));
        }
        else
        {
            Assert.Equal(held.Response.ToArray(), served); // still valid, refresh not due: nothing to do
            Assert.Equal(0, after);
        }

        output.WriteLine($"suspend +{stepMinutes} min: refresh due {refreshDue}; {after} fetches in the next hour; stapled {sim.Stapled}/{sim.Probes} probes after the step");
    }

    /// <summary>The most fetches <paramref name="span"/> can hold: one success per floor, plus a run of backed-off failures.</summary>
    private static int FetchBound(TimeSpan span, TimeSpan window, RefreshSettings s)
    {
        int failures = 0;
        TimeSpan t = TimeSpan.Zero;
        for (int n = 1; t <= span; n++)
        {
            failures++;
            TimeSpan delay = s.RetryBaseDelay * Math.Pow(2, Math.Min(n - 1, 30));
            delay = Min(Min(delay, s.RetryMaxDelay), window / 4);
            t += delay > RefreshPolicy.Gap(window, s) ? delay : RefreshPolicy.Gap(window, s);
        }

        return failures + (int)(span / RefreshPolicy.Floor(window, s)) + 1;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>
    /// Advances the elapsed clock to the next refresh (at least a second, at most one wall-clock check at a time),
    /// lets every fetch that falls due finish, and probes a handshake after each step.
    /// </summary>
    private sealed class Simulation(StaplingFixture f, SteppedClock wall)
    {
        public int Probes { get; private set; }

        public int Stapled { get; private set; }

        public void ResetCounts() => (Probes, Stapled) = (0, 0);

        /// <summary>
        /// Right after a clock step: one wall-clock check later, whatever the stapler did about the step is done and
        /// what a handshake staples is checked. Returns the stapled bytes.
        /// </summary>
        public async Task<byte[]?> AfterStepAsync()
        {
            await SettleAsync();
            wall.Elapsed.Advance(Stapler.WallClockCheck);
            await SettleAsync();
            return await ProbeAsync();
        }

        public async Task RunAsync(TimeSpan span, Func<bool>? until = null)
        {
            DateTimeOffset end = wall.Elapsed.GetUtcNow() + span;
            for (int i = 0; i < 10_000 && wall.Elapsed.GetUtcNow() < end; i++)
            {
                await SettleAsync();
                if (until?.Invoke() == true)
                {
                    return;
                }

                TimeSpan step = f.Holder.StaplingStatus!.NextRefresh!.Value - wall.GetUtcNow();
                step = step < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : step > Stapler.WallClockCheck ? Stapler.WallClockCheck : step;
                TimeSpan left = end - wall.Elapsed.GetUtcNow();
                wall.Elapsed.Advance(step < left ? step : left);
                await SettleAsync();
                await ProbeAsync();
            }
        }

        private Task SettleAsync() => f.Holder.Stapler!.CurrentRefresh.WaitAsync(TimeSpan.FromSeconds(30));

        /// <summary>What a real handshake staples now must be GOOD and inside its serving window by the server's clock.</summary>
        private async Task<byte[]?> ProbeAsync()
        {
            byte[]? stapled = (await f.ProbeAsync()).OcspResponse;
            Probes++;
            DateTimeOffset now = wall.GetUtcNow();
            if (stapled is null)
            {
                return null;
            }

            Stapled++;
            OcspValidationResult r = new OcspResponseValidator(f.Ca.Leaf, f.Ca.Intermediate, wall, s_settings.ClockSkew).Validate(stapled);
            Assert.True(r.Verdict == OcspVerdict.Good, $"stapled a {r.Verdict} response at {now:O}: {r.Message}");
            DateTimeOffset from = r.ThisUpdate!.Value - s_settings.ClockSkew;
            DateTimeOffset until = r.NextUpdate!.Value - RefreshPolicy.Margin(r.NextUpdate.Value - r.ThisUpdate.Value, s_settings);
            Assert.True(now >= from && now < until, $"stapled at {now:O}, outside [{from:O}, {until:O})");
            return stapled;
        }
    }
}
