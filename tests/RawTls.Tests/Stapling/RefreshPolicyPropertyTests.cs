using CsCheck;
using RawTls.Ocsp;
using RawTls.Stapling;
using RawTls.Stapling.Internal;

namespace RawTls.Tests.Stapling;

/// <summary>
/// The refresh policy driven through random lives: windows from 30 s to 30 days, every fetch outcome, outages and
/// clock steps, with the default options (the upper bounds). The simulator plays the stapler: it keeps the state,
/// arms the timer for the decision's wake time and fetches when told to.
/// </summary>
public sealed class RefreshPolicyPropertyTests
{
    private static readonly RefreshSettings s_defaults = RefreshSettings.From(new StaplingOptions());

    private static readonly Gen<(double LogWindow, int[] Codes, double Lag)> s_lives =
        Gen.Select(Gen.Double[Math.Log(30), Math.Log(30 * 86_400)], Gen.Int[0, 999].Array[20, 200], Gen.Double[0, 1]);

    [Fact]
    public void Every_life_serves_only_valid_staples_never_rolls_back_or_loops_and_refreshes_before_dropping() =>
        s_lives.Sample(life => Simulate(TimeSpan.FromSeconds(Math.Exp(life.LogWindow)), life.Codes, life.Lag), iter: 2_000);

    [Theory]
    [InlineData(30)]
    [InlineData(60)]
    [InlineData(3_600)]
    [InlineData(7 * 86_400)]
    [InlineData(30 * 86_400)]
    public void An_answering_responder_keeps_a_staple_for_ten_windows_with_a_bounded_number_of_fetches(int windowSeconds)
    {
        TimeSpan window = TimeSpan.FromSeconds(windowSeconds);
        int[] good = Enumerable.Repeat(0, 400).ToArray();
        Life life = Simulate(window, good, 0.5, until: window * 10);
        Assert.Equal(0, life.Drops);
        Assert.True(life.ServedFraction > 0.999, $"served {life.ServedFraction:P2} of the time");
        // About two fetches per window (refresh at half), never more than four; a 30-day window is capped by MaxRefreshInterval (24 h).
        double perWindow = life.Fetches / 10.0;
        double max = window > s_defaults.MaxRefreshInterval * 2 ? (window / s_defaults.MaxRefreshInterval) + 1 : 4;
        Assert.InRange(perWindow, 1.5, max);
    }

    [Fact]
    public void A_wall_clock_step_out_of_the_window_drops_the_staple_at_the_next_timer_and_a_step_back_looks_again_within_the_gap() =>
        Gen.Select(Gen.Double[Math.Log(30), Math.Log(30 * 86_400)], Gen.Double[0, 0.8], Gen.Double[0, 10], Gen.Bool).Sample(t =>
        {
            (double logWindow, double age, double step, bool back) = t;
            RefreshSettings s = s_defaults;
            TimeSpan window = TimeSpan.FromSeconds(Math.Exp(logWindow));
            DateTimeOffset thisUpdate = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
            var staple = new OcspStaple(new byte[] { 1 }, OcspCertificateStatus.Good, thisUpdate, thisUpdate + window, thisUpdate, null, thisUpdate);
            DateTimeOffset acceptedAt = thisUpdate + (window * age);
            RefreshState held = RefreshPolicy.OnResponse(RefreshState.Initial(acceptedAt), staple, acceptedAt, 0, fromStore: false, s).State;
            Assert.Same(staple, held.Held);

            // Back before thisUpdate − skew, or forward past the drop, by up to ten windows.
            DateTimeOffset now = back
                ? thisUpdate - s.ClockSkew - (window * step) - TimeSpan.FromTicks(1)
                : RefreshPolicy.DropAt(staple, s) + (window * step);
            RefreshDecision d = RefreshPolicy.OnTimer(held, now, fetchDue: false, s);

            Assert.Equal(StapleAction.Drop, d.Action);
            Assert.Null(d.State.Held);
            Assert.Equal(held.NewestThisUpdate, d.State.NewestThisUpdate); // no rollback opened by the step
            if (back)
            {
                // The scheduled fetch moved away with the clock: only a new response ends the gap, so look soon.
                Assert.InRange(d.State.NextFetch - now, TimeSpan.Zero, RefreshPolicy.Gap(window, s));
            }
            else
            {
                Assert.Equal(held.NextFetch, d.State.NextFetch); // long due: the timer fetches at once
            }
        }, iter: 2_000);

    [Fact]
    public void A_response_past_half_its_window_on_arrival_is_refetched_halfway_to_its_drop_not_at_every_floor() =>
        Gen.Select(Gen.Double[Math.Log(30), Math.Log(30 * 86_400)], Gen.Double[0.5, 0.9]).Sample(t =>
        {
            (double logWindow, double age) = t;
            RefreshSettings s = s_defaults with { Jitter = 0 };
            TimeSpan window = TimeSpan.FromSeconds(Math.Exp(logWindow));
            DateTimeOffset thisUpdate = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
            DateTimeOffset now = thisUpdate + (window * age);
            var staple = new OcspStaple(new byte[] { 1 }, OcspCertificateStatus.Good, thisUpdate, thisUpdate + window, thisUpdate, null, now);
            TimeSpan left = RefreshPolicy.DropAt(staple, s) - now;
            if (left <= TimeSpan.Zero)
            {
                return; // not servable: refused, covered elsewhere
            }

            RefreshDecision d = RefreshPolicy.OnResponse(RefreshState.Initial(now), staple, now, 0, fromStore: false, s);
            TimeSpan delay = d.State.NextFetch - now;
            TimeSpan gap = RefreshPolicy.Gap(window, s);
            TimeSpan floor = RefreshPolicy.Floor(window, s);
            Assert.True(delay < left || left <= gap + gap, $"refresh {delay} after arrival, past the drop {left} away");
            Assert.True(delay >= gap, $"refresh {delay} after arrival, inside the gap {gap}");
            TimeSpan expected = left / 2 > floor ? left / 2 : floor;
            expected = expected < s.MaxRefreshInterval ? expected : s.MaxRefreshInterval;
            Assert.True(delay >= expected || delay == left - gap, $"refresh {delay} after arrival; half of what is left is {left / 2} (window {window})");
        }, iter: 2_000);

    [Fact]
    public void The_margin_and_floor_scale_with_the_window_and_the_options_stay_upper_bounds()
    {
        Assert.Equal(TimeSpan.FromSeconds(3), RefreshPolicy.Margin(TimeSpan.FromSeconds(30), s_defaults));
        Assert.Equal(TimeSpan.FromSeconds(7.5), RefreshPolicy.Floor(TimeSpan.FromSeconds(30), s_defaults));
        Assert.Equal(TimeSpan.FromMinutes(1), RefreshPolicy.Margin(TimeSpan.FromDays(7), s_defaults));
        Assert.Equal(TimeSpan.FromMinutes(1), RefreshPolicy.Floor(TimeSpan.FromDays(7), s_defaults));
    }

    private sealed class Life
    {
        public int Fetches;
        public int Drops;
        public TimeSpan Served;
        public TimeSpan Total;

        public double ServedFraction => Total <= TimeSpan.Zero ? 0 : Served / Total;
    }

    private static Life Simulate(TimeSpan window, int[] codes, double lagFraction, TimeSpan? until = null)
    {
        RefreshSettings s = s_defaults;
        var life = new Life();
        var random = new Random(codes.Length ^ (int)window.TotalSeconds);
        DateTimeOffset start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        TimeSpan elapsed = TimeSpan.Zero; // monotonic: what timers run on
        TimeSpan offset = TimeSpan.Zero; // wall clock = start + elapsed + offset (stepped)
        DateTimeOffset Wall() => start + elapsed + offset;

        RefreshState state = RefreshState.Initial(Wall());
        RefreshDecision decision = new(StapleAction.Keep, state, FetchNow: true, null);
        TimeSpan gap = RefreshPolicy.Gap(window, s);
        TimeSpan? lastFetch = null;
        bool troubleSinceAccepted = false;
        bool revokedAccepted = false;
        DateTimeOffset? newestAccepted = null;
        int code = 0;
        int outage = 0;
        for (int events = 0; events < 5_000 && code < codes.Length && (until is null || elapsed < until); events++)
        {
            if (decision.FetchNow)
            {
                if (lastFetch is { } previous)
                {
                    Assert.True(elapsed - previous >= gap - TimeSpan.FromTicks(1), $"fetch loop: {elapsed - previous} between fetches, gap {gap} (window {window})");
                }

                lastFetch = elapsed;
                life.Fetches++;
                int c = codes[code++];
                (decision, bool failed) = Fetch(state, c, ref outage, ref offset, Wall, window, lagFraction, random, s);
                if (c >= 900)
                {
                    troubleSinceAccepted = true; // a clock step may legitimately cost the staple
                }

                troubleSinceAccepted |= failed || decision.Rejected is not null;
            }

            if (decision.Action == StapleAction.Drop)
            {
                life.Drops++;
                Assert.True(troubleSinceAccepted, $"dropped at {elapsed} though every fetch since it was accepted succeeded (window {window})");
            }

            if (decision.Action is StapleAction.Publish or StapleAction.Revoked)
            {
                OcspStaple held = decision.State.Held!;
                Assert.True(newestAccepted is null || held.ThisUpdate >= newestAccepted, "rolled back to an older response");
                Assert.False(revokedAccepted && held.Status == OcspCertificateStatus.Good, "GOOD accepted after REVOKED");
                newestAccepted = held.ThisUpdate;
                revokedAccepted |= held.Status == OcspCertificateStatus.Revoked;
                troubleSinceAccepted = false;
            }

            state = decision.State;
            if (state.Held is { } h)
            {
                Assert.True(RefreshPolicy.Servable(h, Wall(), s), $"serving a staple outside [thisUpdate - skew, nextUpdate - margin) at {Wall():O}: {h.ThisUpdate:O}..{h.NextUpdate:O}");
                Assert.True(decision.WakeAt(s) <= RefreshPolicy.DropAt(h, s), "the timer is set past the staple's drop");
                Assert.False(revokedAccepted && h.Status == OcspCertificateStatus.Good, "GOOD served after REVOKED");
            }

            // Sleep until the wake time (elapsed time; the wall clock follows), then let the timer fire.
            DateTimeOffset wake = decision.WakeAt(s);
            TimeSpan sleep = wake - Wall();
            Assert.True(sleep >= TimeSpan.Zero || decision.FetchNow || state.Held is null || sleep > -TimeSpan.FromTicks(1), "wake time in the past");
            sleep = sleep < TimeSpan.Zero ? TimeSpan.Zero : sleep;
            if (state.Held is not null)
            {
                life.Served += sleep;
            }

            life.Total += sleep;
            elapsed += sleep;
            bool fetchDue = wake == state.NextFetch;
            decision = RefreshPolicy.OnTimer(state, Wall(), fetchDue, s);
        }

        return life;
    }

    private static (RefreshDecision Decision, bool Failed) Fetch(RefreshState state, int c, ref int outage, ref TimeSpan offset, Func<DateTimeOffset> wall, TimeSpan window, double lagFraction, Random random, RefreshSettings s)
    {
        double jitter = (random.NextDouble() * 2) - 1;
        if (outage > 0 || c is >= 650 and < 750 || c is >= 840 and < 900)
        {
            if (c is >= 840 and < 900)
            {
                outage = c % 8;
            }
            else if (outage > 0)
            {
                outage--;
            }

            return (RefreshPolicy.OnFailure(state, wall(), jitter, s, "network_error"), true);
        }

        if (c >= 900)
        {
            TimeSpan step = window / 2 * (c % 10) / 10;
            offset += c < 950 ? step : -step;
        }

        DateTimeOffset now = wall();
        TimeSpan lag = window / 10 * lagFraction * (c % 10) / 10;
        DateTimeOffset thisUpdate = c switch
        {
            >= 750 and < 780 => (state.NewestThisUpdate ?? now) - TimeSpan.FromSeconds(1), // an older response: rollback
            >= 780 and < 810 => now - window, // already at its nextUpdate
            _ => now - lag,
        };
        var status = c is >= 810 and < 840 ? OcspCertificateStatus.Revoked : OcspCertificateStatus.Good;
        byte[] bytes = BitConverter.GetBytes(thisUpdate.UtcTicks).Concat(new[] { (byte)status }).ToArray();
        var candidate = new OcspStaple(bytes, status, thisUpdate, thisUpdate + window, thisUpdate, status == OcspCertificateStatus.Revoked ? thisUpdate : null, now);
        return (RefreshPolicy.OnResponse(state, candidate, now, jitter, fromStore: false, s), false);
    }
}
