using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using RawTls.Certificates;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Stapling;
using RawTls.Stapling.Internal;
using RawTls.Tests.Infrastructure;
using RawTls.Tests.Reload;

namespace RawTls.Tests.Stapling;

/// <summary>The directory staple store (atomic files, lease files) and a fleet of certificate sets sharing it.</summary>
[Collection(RawTls.Tests.Infrastructure.TimingSensitive.Name)]
public sealed class StapleStoreTests : IDisposable
{
    private static readonly string s_key = new('a', 64);
    private readonly string _dir = Directory.CreateTempSubdirectory("rawtls-store-").FullName;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Saves_and_loads_whole_responses_and_readers_never_see_a_mix()
    {
        var writer = new DirectoryStapleStore(_dir, 64 * 1024, _clock);
        var reader = new DirectoryStapleStore(_dir, 64 * 1024, _clock);
        Assert.Null(await reader.LoadAsync(s_key, default));
        byte[] a = Enumerable.Repeat((byte)0xA1, 20_000).ToArray();
        byte[] b = Enumerable.Repeat((byte)0xB2, 30_000).ToArray();
        await writer.SaveAsync(s_key, a, default);
        Task writes = Task.Run(async () =>
        {
            for (int i = 0; i < 200; i++)
            {
                await writer.SaveAsync(s_key, i % 2 == 0 ? b : a, default);
            }
        });
        int reads = 0;
        while (!writes.IsCompleted && reads < 5_000)
        {
            byte[] seen = (await reader.LoadAsync(s_key, default))!;
            Assert.True(seen.AsSpan().SequenceEqual(a) || seen.AsSpan().SequenceEqual(b), $"torn read of {seen.Length} bytes");
            reads++;
        }

        await writes;
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public async Task Missing_directory_is_no_entry_and_an_oversized_file_is_an_error()
    {
        var missing = new DirectoryStapleStore(Path.Combine(_dir, "not-there"), 1024, _clock);
        Assert.Null(await missing.LoadAsync(s_key, default));
        var store = new DirectoryStapleStore(_dir, 1024, _clock);
        await File.WriteAllBytesAsync(store.PathFor(s_key), new byte[4096]);
        await Assert.ThrowsAsync<IOException>(async () => await store.LoadAsync(s_key, default));
    }

    [Fact]
    public async Task One_owner_holds_the_lease_until_it_releases_or_it_expires()
    {
        var a = new DirectoryStapleStore(_dir, 1024, _clock);
        var b = new DirectoryStapleStore(_dir, 1024, _clock);
        TimeSpan period = TimeSpan.FromSeconds(20);
        Assert.True(await a.TryAcquireLeaseAsync(s_key, "a", period, default));
        Assert.False(await b.TryAcquireLeaseAsync(s_key, "b", period, default));
        Assert.True(await a.TryAcquireLeaseAsync(s_key, "a", period, default)); // its own: extended
        await b.ReleaseLeaseAsync(s_key, "b", default); // not b's: nothing happens
        Assert.False(await b.TryAcquireLeaseAsync(s_key, "b", period, default));
        await a.ReleaseLeaseAsync(s_key, "a", default);
        Assert.True(await b.TryAcquireLeaseAsync(s_key, "b", period, default));

        // b dies holding it: a takes over once the lease period has passed, not before.
        _clock.Advance(period - TimeSpan.FromSeconds(1));
        Assert.False(await a.TryAcquireLeaseAsync(s_key, "a", period, default));
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await a.TryAcquireLeaseAsync(s_key, "a", period, default));
        Assert.False(await b.TryAcquireLeaseAsync(s_key, "b", period, default));
    }

    [Fact]
    public async Task Of_instances_racing_for_a_free_or_expired_lease_exactly_one_wins()
    {
        TimeSpan period = TimeSpan.FromSeconds(20);
        var stores = Enumerable.Range(0, 8).Select(_ => new DirectoryStapleStore(_dir, 1024, _clock)).ToArray();
        for (int round = 0; round < 40; round++)
        {
            // Even rounds race for a free lease, odd rounds for one whose holder died (expired).
            if (round % 2 == 1)
            {
                Assert.True(await stores[0].TryAcquireLeaseAsync(s_key, "dead", period, default));
                _clock.Advance(period + TimeSpan.FromSeconds(1));
            }

            using var start = new ManualResetEventSlim();
            Task<bool>[] racers = stores.Select((store, i) => Task.Run(() =>
            {
                start.Wait();
                return store.TryAcquireLeaseAsync(s_key, "owner" + i, period, default).AsTask();
            })).ToArray();
            start.Set();
            bool[] won = await Task.WhenAll(racers);
            Assert.Equal(1, won.Count(w => w));
            await stores[Array.IndexOf(won, true)].ReleaseLeaseAsync(s_key, "owner" + Array.IndexOf(won, true), default);
        }
    }

    [Fact]
    public async Task Leftovers_of_a_crashed_holder_never_block_the_lease_and_a_busy_guard_reads_as_busy()
    {
        var store = new DirectoryStapleStore(_dir, 1024, _clock);
        string lease = Path.Combine(_dir, s_key + ".lease");
        await File.WriteAllBytesAsync(lease, [0xFF, 0x00]); // junk where a lease was
        await File.WriteAllBytesAsync(lease + ".lock", []); // its guard file, no longer locked by anyone
        Assert.True(await store.TryAcquireLeaseAsync(s_key, "me", TimeSpan.FromSeconds(20), default));
        await store.ReleaseLeaseAsync(s_key, "me", default);

        // Someone inside the guard (deciding right now): the lease reads as busy, not as a store fault.
        using (new FileStream(lease + ".lock", FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            Assert.False(await store.TryAcquireLeaseAsync(s_key, "me", TimeSpan.FromSeconds(20), default));
        }

        Assert.True(await store.TryAcquireLeaseAsync(s_key, "me", TimeSpan.FromSeconds(20), default));
    }

    [Fact]
    public async Task A_fleet_sharing_a_store_fetches_once_per_refresh_and_the_others_pick_the_response_up()
    {
        await using var f = StaplingFixture.Create(_clock, validity: TimeSpan.FromHours(2));
        await using CertificateSet first = await StartSetAsync(f);
        StapleStatus a = first.Certificates[0].StaplingStatus!;
        Assert.False(a.FromStore);
        long requests = f.Responder.RequestCount;

        await using CertificateSet second = await StartSetAsync(f);
        StapleStatus b = second.Certificates[0].StaplingStatus!;
        Assert.True(b.FromStore); // fresh in the store: no fetch of its own
        Assert.Equal(requests, f.Responder.RequestCount);
        Assert.Equal(a.Staple!.Response.ToArray(), b.Staple!.Response.ToArray());

        // The refresh falls due on both at once: one takes the lease and fetches, the other picks its response up.
        using var signalA = new StatusSignal(first.Certificates[0]);
        using var signalB = new StatusSignal(second.Certificates[0]);
        DateTimeOffset due = a.NextRefresh!.Value;
        _clock.Advance(due - _clock.GetUtcNow());
        await signalA.WaitAsync(s => s.LastAttempt >= due, "the first instance's refresh");
        await signalB.WaitAsync(s => s.LastAttempt >= due, "the second instance's refresh");
        for (int i = 0; i < 10 && !(Newer(first, a) && Newer(second, b)); i++)
        {
            // Fake time must not outrun a refresh's real-time store write: the lease would expire under it.
            await first.Certificates[0].Stapler!.CurrentRefresh.WaitAsync(TimeSpan.FromSeconds(30));
            await second.Certificates[0].Stapler!.CurrentRefresh.WaitAsync(TimeSpan.FromSeconds(30));
            DateTimeOffset next = Min(first.Certificates[0].StaplingStatus!.NextRefresh!.Value, second.Certificates[0].StaplingStatus!.NextRefresh!.Value);
            _clock.Advance(next > _clock.GetUtcNow() ? next - _clock.GetUtcNow() : TimeSpan.FromSeconds(1));
            await signalA.WaitAsync(s => s.LastAttempt >= next || Newer(first, a), "a look at the store");
            await signalB.WaitAsync(s => s.LastAttempt >= next || Newer(second, b), "a look at the store");
        }

        Assert.True(Newer(first, a) && Newer(second, b));
        Assert.Equal(requests + 1, f.Responder.RequestCount); // one fetch for the fleet
        Assert.Equal(first.Certificates[0].Current.Staple!.Response.ToArray(), second.Certificates[0].Current.Staple!.Response.ToArray());
        Assert.True(first.Certificates[0].StaplingStatus!.FromStore ^ second.Certificates[0].StaplingStatus!.FromStore);
    }

    [Fact]
    public async Task A_lease_holder_that_died_is_replaced_within_one_lease_period()
    {
        await using var f = StaplingFixture.Create(_clock, validity: TimeSpan.FromHours(2));
        await using CertificateSet set = await StartSetAsync(f);
        StapleStatus before = set.Certificates[0].StaplingStatus!;
        string key = set.Certificates[0].Stapler!.StoreKey;
        long requests = f.Responder.RequestCount;

        // Another instance took the lease for the next refresh and died.
        DateTimeOffset due = before.NextRefresh!.Value;
        _clock.Advance(due - _clock.GetUtcNow() - TimeSpan.FromSeconds(1));
        TimeSpan period = TimeSpan.FromSeconds(20); // two fetch timeouts of the fixture
        Assert.True(await new DirectoryStapleStore(_dir, 1024, _clock).TryAcquireLeaseAsync(key, "dead", period, default));
        using var signal = new StatusSignal(set.Certificates[0]);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await signal.WaitAsync(s => s.LastAttempt >= due, "the refresh");
        Assert.Equal("store:lease_busy", set.Certificates[0].StaplingStatus!.LastResult);
        Assert.Equal(requests, f.Responder.RequestCount);

        DateTimeOffset limit = due + period;
        while (f.Responder.RequestCount == requests)
        {
            DateTimeOffset next = set.Certificates[0].StaplingStatus!.NextRefresh!.Value;
            Assert.True(next <= limit + TimeSpan.FromSeconds(6), $"next look at {next:O}, past the lease's end {limit:O}");
            _clock.Advance(next - _clock.GetUtcNow());
            await signal.WaitAsync(s => s.LastAttempt >= next, "a look at the lease");
        }

        Assert.True(_clock.GetUtcNow() <= limit + TimeSpan.FromSeconds(6));
        Assert.True(set.Certificates[0].Current.Staple!.ThisUpdate > before.Staple!.ThisUpdate);
    }

    [Fact]
    public async Task A_cache_directory_replaced_by_a_file_never_blocks_stapling_and_is_logged_once_per_state_change()
    {
        string notADirectory = Path.Combine(_dir, "cache");
        await File.WriteAllTextAsync(notADirectory, "a file where the cache directory should be");
        using var logs = new LogCollector();
        await using var f = StaplingFixture.Create(_clock, validity: TimeSpan.FromHours(2));
        await f.StartServerAsync(o =>
        {
            o.Stapling.CacheDirectory = notADirectory;
            o.LoggerFactory = logs;
        });
        using var metrics = new MetricsRecorder(f.Server.Meter);
        Assert.NotNull(f.Holder.Current.Staple); // stapled from the network all the same
        Assert.Equal(f.Holder.Current.Staple!.Response.ToArray(), (await f.ProbeAsync()).OcspResponse);
        using var signal = new StatusSignal(f.Holder);
        for (int i = 0; i < 3; i++)
        {
            await f.Holder.RefreshStapleAsync();
        }

        Assert.True(metrics.Sum("rawtls.ocsp.store.errors") >= 3);
        Assert.Single(logs.At(LogLevel.Warning), m => m.Contains("staple store", StringComparison.Ordinal) && m.Contains("failing", StringComparison.Ordinal));

        // The directory comes back: the next save succeeds and the recovery is logged once.
        File.Delete(notADirectory);
        Directory.CreateDirectory(notADirectory);
        await f.Holder.RefreshStapleAsync();
        Assert.Single(logs.At(LogLevel.Information), m => m.Contains("answering again", StringComparison.Ordinal));
        Assert.Single(Directory.GetFiles(notADirectory, "*.ocsp"));
    }

    [Fact]
    public async Task A_foreign_or_truncated_stored_response_is_refused_and_the_staple_fetched()
    {
        await using var f = StaplingFixture.Create(_clock, validity: TimeSpan.FromHours(2));
        await using (CertificateSet set = await StartSetAsync(f))
        {
        }

        string file = Directory.GetFiles(_dir, "*.ocsp").Single();
        byte[] good = await File.ReadAllBytesAsync(file);
        using var other = f.Ca.IssueLeaf(["other.test"]);
        await using (CertificateSet otherSet = await StartSetAsync(f, other))
        {
        }

        byte[] foreign = await File.ReadAllBytesAsync(Directory.GetFiles(_dir, "*.ocsp").Single(p => p != file));
        foreach (byte[] bad in new[] { good[..(good.Length / 2)], foreign, [] })
        {
            await File.WriteAllBytesAsync(file, bad);
            long requests = f.Responder.RequestCount;
            await using CertificateSet set = await StartSetAsync(f);
            StapleStatus status = set.Certificates[0].StaplingStatus!;
            Assert.False(status.FromStore);
            Assert.Equal(StapleState.Good, status.State);
            Assert.Equal(requests + 1, f.Responder.RequestCount);
            Assert.NotEqual(foreign, set.Certificates[0].Current.Staple!.Response.ToArray());
        }
    }

    private static bool Newer(CertificateSet set, StapleStatus than) => set.Certificates[0].Current.Staple!.ThisUpdate > than.Staple!.ThisUpdate;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private Task<CertificateSet> StartSetAsync(StaplingFixture f, System.Security.Cryptography.X509Certificates.X509Certificate2? leaf = null)
    {
        var options = new CertificateSetOptions { TimeProvider = _clock };
        var certificate = ServerCertificateOptions.FromCertificate(leaf ?? f.Ca.Leaf, [f.Ca.Intermediate]);
        certificate.OcspResponderUrl = f.Responder.Url;
        options.Certificates.Add(certificate);
        options.Stapling.Store = new DirectoryStapleStore(_dir, 64 * 1024, _clock);
        options.Stapling.FetchTimeout = TimeSpan.FromSeconds(10);
        options.Stapling.Jitter = 0;
        return CertificateSet.StartAsync(options);
    }
}
