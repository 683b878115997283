using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Stapling;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Stapling;

/// <summary>Short validity windows and restarts, end to end: real sockets, a real responder, a fake clock for both.</summary>
public sealed class StaplingLifecycleTests
{
    private static FakeTimeProvider NewClock() => new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Sixty_second_responses_are_stapled_and_kept_fresh_on_an_idle_server_for_three_windows()
    {
        var clock = NewClock();
        await using var f = StaplingFixture.Create(clock, validity: TimeSpan.FromSeconds(60), backdate: TimeSpan.Zero);
        await f.StartServerAsync(); // default ExpiryMargin and MinRefreshInterval (1 min each): upper bounds only
        using var signal = new StatusSignal(f.Holder);
        Assert.NotNull(f.Holder.Current.Staple);
        Assert.Equal(OcspVerdict.Good, f.ValidateAsClient((await f.ProbeAsync()).OcspResponse!).Verdict);
        long requests = f.Responder.RequestCount;

        // Idle for three windows, one second at a time; every fetch that falls due is awaited through its status signal.
        for (int second = 0; second < 180; second++)
        {
            DateTimeOffset due = f.Holder.StaplingStatus!.NextRefresh!.Value;
            clock.Advance(TimeSpan.FromSeconds(1));
            DateTimeOffset now = clock.GetUtcNow();
            if (now >= due)
            {
                await signal.WaitAsync(s => s.LastAttempt >= due, $"the fetch due at {due:O}");
            }

            OcspStaple? served = f.Holder.Current.Staple;
            Assert.NotNull(served);
            Assert.InRange(now, served.ThisUpdate, served.NextUpdate - TimeSpan.FromSeconds(6)); // margin: a tenth of 60 s
        }

        long fetches = f.Responder.RequestCount - requests;
        Assert.InRange(fetches, 5, 8); // about one per half window: no loop, no gap
        byte[] stapled = (await f.ProbeAsync()).OcspResponse!;
        OcspValidationResult asClient = f.ValidateAsClient(stapled);
        Assert.Equal(OcspVerdict.Good, asClient.Verdict);
        Assert.True(asClient.ThisUpdate > clock.GetUtcNow() - TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Restart_with_a_valid_cached_staple_and_a_hanging_responder_listens_at_once_and_staples_the_first_handshake()
    {
        var clock = NewClock();
        string cache = Directory.CreateTempSubdirectory("rawtls-staples-").FullName;
        try
        {
            await using var f = StaplingFixture.Create(clock, validity: TimeSpan.FromHours(1));
            await f.StartServerAsync(o => o.Stapling.CacheDirectory = cache);
            byte[] cached = f.Holder.Current.Staple!.Response.ToArray();
            await f.Server.DisposeAsync();

            // Past the refresh point but still valid: the restart must fetch, and the responder accepts but never answers.
            clock.Advance(TimeSpan.FromMinutes(40));
            f.Responder.FaultHook = _ => OcspFault.Delayed(TimeSpan.FromSeconds(30));
            long requests = f.Responder.RequestCount;
            var started = Stopwatch.StartNew();
            await f.StartServerAsync(o =>
            {
                o.Stapling.CacheDirectory = cache;
                o.Stapling.FetchTimeout = TimeSpan.FromSeconds(10);
                o.Stapling.StartupWait = TimeSpan.FromSeconds(10);
            });
            TimeSpan listening = started.Elapsed;

            Assert.True(listening < TimeSpan.FromSeconds(1), $"listening after {listening.TotalMilliseconds:F0} ms");
            Assert.Equal(cached, (await f.ProbeAsync()).OcspResponse);
            StapleStatus status = f.Holder.StaplingStatus!;
            Assert.True(status.FromStore);
            Assert.Equal(StapleState.Good, status.State);
            await TestServerFactory.WaitUntilAsync(() => f.Responder.RequestCount > requests, "the background refresh to reach the responder");
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [Fact]
    public async Task Without_a_staple_in_hand_start_waits_for_the_first_fetch_and_then_serves_unstapled_in_auto()
    {
        await using var f = StaplingFixture.Create();
        f.Responder.FaultHook = _ => OcspFault.Delayed(TimeSpan.FromSeconds(30));
        var started = Stopwatch.StartNew();
        await f.StartServerAsync(o =>
        {
            o.Stapling.FetchTimeout = TimeSpan.FromSeconds(10);
            o.Stapling.StartupWait = TimeSpan.FromMilliseconds(700);
        });
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(650), TimeSpan.FromSeconds(5)); // the bounded wait, then on
        Assert.True(f.Holder.IsServing);
        Assert.Null((await f.ProbeAsync()).OcspResponse);
        Assert.Equal(StapleState.None, f.Holder.StaplingStatus!.State);
    }
}
