using RawTls.Ocsp;

namespace RawTls.Stapling.Internal;

/// <summary>
/// When to fetch, and what to serve, as pure functions of the held staple, an event (timer, fetched response, failed
/// fetch), the time and the settings. No timers, I/O or fields: the stapler owns those and calls this.
/// </summary>
/// <remarks>
/// Margins and floors scale with the response's validity window W = nextUpdate − thisUpdate, so a 30-second
/// response is stapled and refreshed as surely as a 7-day one; each option is an upper bound:
/// <list type="bullet">
/// <item>drop margin M = min(ExpiryMargin, W/10): a staple is served from thisUpdate − ClockSkew until nextUpdate − M;</item>
/// <item>refresh at thisUpdate + W/2 (± Jitter), or halfway to the drop for a response already past that, no sooner
/// than F = min(MinRefreshInterval, W/4) after the fetch and no later than MaxRefreshInterval;</item>
/// <item>after a failure retry after min(RetryBaseDelay · 2^(n−1), RetryMaxDelay, W/4), never less than the gap
/// G = min(RetryBaseDelay, F, W/20), and one last time before the staple drops.</item>
/// </list>
/// </remarks>
internal static class RefreshPolicy
{
    /// <summary>The margin before nextUpdate at which a staple stops being served.</summary>
    public static TimeSpan Margin(TimeSpan window, RefreshSettings s) => Min(s.ExpiryMargin, Fraction(window, 10));

    /// <summary>The shortest wait after a successful fetch.</summary>
    public static TimeSpan Floor(TimeSpan window, RefreshSettings s) => Min(s.MinRefreshInterval, Fraction(window, 4));

    /// <summary>The shortest gap between any two scheduled fetches.</summary>
    public static TimeSpan Gap(TimeSpan? window, RefreshSettings s) =>
        window is { } w ? Min(Min(s.RetryBaseDelay, Floor(w, s)), Fraction(w, 20)) : Min(s.RetryBaseDelay, s.MinRefreshInterval);

    /// <summary>When <paramref name="staple"/> stops being served.</summary>
    public static DateTimeOffset DropAt(OcspStaple staple, RefreshSettings s) => staple.NextUpdate - Margin(staple.NextUpdate - staple.ThisUpdate, s);

    /// <summary>True while <paramref name="staple"/> may be served at <paramref name="now"/>.</summary>
    public static bool Servable(OcspStaple staple, DateTimeOffset now, RefreshSettings s) =>
        now >= staple.ThisUpdate - s.ClockSkew && now < DropAt(staple, s);

    /// <summary>
    /// The timer fired: drop a staple outside its window; fetch when the timer was set for the fetch. The stapler
    /// fires on elapsed time and also when the wall clock passes the wake time, so a step either way neither skips
    /// a fetch nor leaves a staple served outside its window for long.
    /// </summary>
    public static RefreshDecision OnTimer(in RefreshState state, DateTimeOffset now, bool fetchDue, RefreshSettings s)
    {
        bool fetch = fetchDue;
        if (state.Held is { } held && !Servable(held, now, s))
        {
            // Not yet valid: the wall clock went back past its thisUpdate, and the fetch it scheduled moved away by
            // as much. Only a new response ends that, so look within the gap (backoff bounds the rest).
            TimeSpan gap = Gap(held.NextUpdate - held.ThisUpdate, s);
            DateTimeOffset next = now < held.ThisUpdate - s.ClockSkew && state.NextFetch > now + gap ? now + gap : state.NextFetch;
            return new(StapleAction.Drop, state with { Held = null, NextFetch = next }, fetch, null);
        }

        return new(StapleAction.Keep, state, fetch, null);
    }

    /// <summary>
    /// A response passed validation (GOOD or REVOKED, authentic, for this certificate). <paramref name="fromStore"/>:
    /// read from a cache or shared store rather than fetched, so a rejection is no fetch failure.
    /// </summary>
    public static RefreshDecision OnResponse(in RefreshState state, OcspStaple candidate, DateTimeOffset now, double jitter, bool fromStore, RefreshSettings s)
    {
        string? rejected =
            state.RevokedSeen && candidate.Status == OcspCertificateStatus.Good ? "good_after_revoked"
            : state.NewestThisUpdate is { } newest && candidate.ThisUpdate < newest ? "rollback"
            : now < candidate.ThisUpdate - s.ClockSkew ? "not_yet_valid"
            : !Servable(candidate, now, s) ? "expiring"
            : null;
        if (rejected is not null)
        {
            return fromStore ? Expire(state, now, s, rejected) : OnFailure(state, now, jitter, s, rejected);
        }

        bool same = state.Held is { } held && held.Response.Span.SequenceEqual(candidate.Response.Span);
        TimeSpan window = candidate.NextUpdate - candidate.ThisUpdate;
        OcspStaple kept = same ? state.Held! : candidate;
        var next = new RefreshState(kept, state.RevokedSeen || candidate.Status == OcspCertificateStatus.Revoked, 0, Max(candidate.ThisUpdate, state.NewestThisUpdate ?? candidate.ThisUpdate), window, RefreshAt(kept, now, jitter, s));
        StapleAction action = same ? StapleAction.Keep : candidate.Status == OcspCertificateStatus.Revoked ? StapleAction.Revoked : StapleAction.Publish;
        return new(action, next, false, null);
    }

    /// <summary>A fetch failed (network, HTTP, a response that did not validate): back off, keep what is still servable.</summary>
    public static RefreshDecision OnFailure(in RefreshState state, DateTimeOffset now, double jitter, RefreshSettings s, string? rejected = null)
    {
        int failures = state.Failures + 1;
        TimeSpan? window = state.Held is { } h ? h.NextUpdate - h.ThisUpdate : state.LastWindow;
        TimeSpan delay = Min(Scale(s.RetryBaseDelay, Math.Pow(2, Math.Min(failures - 1, 30))), s.RetryMaxDelay);
        if (window is { } w)
        {
            delay = Min(delay, Fraction(w, 4));
        }

        TimeSpan gap = Gap(window, s);
        delay = Max(Jittered(delay, jitter, s.Jitter), gap);
        OcspStaple? held = state.Held;
        StapleAction action = StapleAction.Keep;
        if (held is not null && !Servable(held, now, s))
        {
            held = null;
            action = StapleAction.Drop;
        }
        else if (held is not null)
        {
            // One last try before the staple drops, so a responder back in time never costs it.
            TimeSpan left = DropAt(held, s) - now;
            if (left > gap + gap && delay > left - gap)
            {
                delay = left - gap;
            }
        }

        return new(action, state with { Held = held, Failures = failures, NextFetch = now + delay }, false, rejected);
    }

    /// <summary>
    /// Nothing to judge yet (another instance holds the fetch lease, or a stored response was refused): look again
    /// after <paramref name="delay"/>, at least the gap, and before the held staple drops.
    /// </summary>
    public static RefreshDecision OnWait(in RefreshState state, DateTimeOffset now, TimeSpan delay, RefreshSettings s)
    {
        TimeSpan? window = state.Held is { } h ? h.NextUpdate - h.ThisUpdate : state.LastWindow;
        TimeSpan gap = Gap(window, s);
        delay = Max(delay, gap);
        if (state.Held is { } held)
        {
            if (!Servable(held, now, s))
            {
                return new(StapleAction.Drop, state with { Held = null, NextFetch = now + delay }, false, null);
            }

            TimeSpan left = DropAt(held, s) - now;
            if (left > gap + gap && delay > left - gap)
            {
                delay = left - gap;
            }
        }

        return new(StapleAction.Keep, state with { NextFetch = now + delay }, false, null);
    }

    /// <summary>A stored response was refused: nothing changes but a held staple past its window.</summary>
    private static RefreshDecision Expire(in RefreshState state, DateTimeOffset now, RefreshSettings s, string rejected) =>
        state.Held is { } held && !Servable(held, now, s)
            ? new(StapleAction.Drop, state with { Held = null }, false, rejected)
            : new(StapleAction.Keep, state, false, rejected);

    private static DateTimeOffset RefreshAt(OcspStaple staple, DateTimeOffset now, double jitter, RefreshSettings s)
    {
        TimeSpan window = staple.NextUpdate - staple.ThisUpdate;
        TimeSpan left = DropAt(staple, s) - now;
        TimeSpan half = staple.ThisUpdate + Fraction(window, 2) - now;
        // Past its half on arrival (a cached copy, or a clock ahead of the responder's): what the responder had a
        // moment ago is all it has, so look again halfway through what is left rather than at every floor.
        TimeSpan delay = Jittered(half > TimeSpan.Zero ? half : Fraction(left, 2), jitter, s.Jitter);
        delay = Min(Max(delay, Floor(window, s)), s.MaxRefreshInterval);
        // A response that arrived late in its window: still refresh before it drops.
        TimeSpan gap = Gap(window, s);
        if (delay >= left && left > gap + gap)
        {
            delay = left - gap;
        }

        return now + delay;
    }

    private static TimeSpan Jittered(TimeSpan delay, double sample, double jitter) =>
        jitter <= 0 || delay <= TimeSpan.Zero ? delay : Scale(delay, 1 + (Math.Clamp(sample, -1, 1) * jitter));

    private static TimeSpan Scale(TimeSpan t, double factor) => TimeSpan.FromTicks((long)Math.Min(t.Ticks * factor, TimeSpan.MaxValue.Ticks / 2));

    private static TimeSpan Fraction(TimeSpan t, int divisor) => t <= TimeSpan.Zero ? TimeSpan.Zero : t / divisor;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
