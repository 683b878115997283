using System.Diagnostics;
using RawTls.Redis;
using StackExchange.Redis;

namespace RawTls.Tests.Fleet;

/// <summary>The Redis staple store against a real redis-server started on a free loopback port.</summary>
public sealed class RedisStapleStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    // Generous by default: the first commands of a run share two cores with every other test starting up (a 500 ms
    // bound once timed out there). The timeout test asks for its short bound itself.
    private static RedisStapleStore Connect(RedisServer redis, string prefix = "rawtls:", int operationTimeoutMs = 5000) =>
        RedisStapleStore.Connect(new RedisStapleStoreOptions { Configuration = redis.Configuration, KeyPrefix = prefix, OperationTimeout = TimeSpan.FromMilliseconds(operationTimeoutMs) });

    [SkippableFact]
    public async Task Saved_responses_load_back_whole_and_a_save_replaces_the_old_one()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var store = Connect(redis);
        await using var other = Connect(redis, prefix: "other:");
        Assert.Null(await store.LoadAsync("abc", None));
        byte[] first = [.. Enumerable.Range(0, 3000).Select(i => (byte)i)];
        await store.SaveAsync("abc", first, None);
        Assert.Equal(first, await store.LoadAsync("abc", None));
        await store.SaveAsync("abc", new byte[] { 1, 2, 3 }, None);
        Assert.Equal(new byte[] { 1, 2, 3 }, await store.LoadAsync("abc", None));
        Assert.Null(await other.LoadAsync("abc", None)); // prefixes keep deployments apart
        Assert.True(store.IsConnected);

        using var direct = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        TimeSpan? ttl = await direct.GetDatabase().KeyTimeToLiveAsync("rawtls:staple:abc");
        Assert.InRange(ttl!.Value, TimeSpan.FromDays(9), TimeSpan.FromDays(10)); // retired certificates do not linger
    }

    [SkippableFact]
    public async Task A_lease_has_one_owner_who_alone_extends_and_releases_it()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = Connect(redis);
        await using var b = Connect(redis);
        Assert.True(await a.TryAcquireLeaseAsync("k", "a", TimeSpan.FromSeconds(30), None));
        Assert.False(await b.TryAcquireLeaseAsync("k", "b", TimeSpan.FromSeconds(30), None));

        using var direct = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        IDatabase db = direct.GetDatabase();
        await db.KeyExpireAsync("rawtls:lease:k", TimeSpan.FromSeconds(5));
        Assert.True(await a.TryAcquireLeaseAsync("k", "a", TimeSpan.FromSeconds(30), None)); // its own: extended
        Assert.InRange((await db.KeyTimeToLiveAsync("rawtls:lease:k"))!.Value, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30));

        await b.ReleaseLeaseAsync("k", "b", None); // not b's: nothing happens
        Assert.Equal("a", (string?)await db.StringGetAsync("rawtls:lease:k"));
        Assert.False(await b.TryAcquireLeaseAsync("k", "b", TimeSpan.FromSeconds(30), None));

        await a.ReleaseLeaseAsync("k", "a", None);
        Assert.True(await b.TryAcquireLeaseAsync("k", "b", TimeSpan.FromSeconds(30), None));
    }

    [SkippableFact]
    public async Task When_the_holder_dies_another_owner_takes_over_within_one_lease_period()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = Connect(redis);
        await using var b = Connect(redis);
        TimeSpan lease = TimeSpan.FromMilliseconds(400);
        var watch = Stopwatch.StartNew();
        Assert.True(await a.TryAcquireLeaseAsync("k", "a", lease, None));
        Assert.False(await b.TryAcquireLeaseAsync("k", "b", lease, None));
        while (!await b.TryAcquireLeaseAsync("k", "b", lease, None))
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), "the lease never expired");
            await Task.Delay(25);
        }

        Assert.InRange(watch.Elapsed, lease - TimeSpan.FromMilliseconds(50), lease + TimeSpan.FromSeconds(1));
        Assert.False(await a.TryAcquireLeaseAsync("k", "a", lease, None)); // the old holder cannot take it back
    }

    [SkippableFact]
    public async Task Racing_instances_get_exactly_one_lease_per_round()
    {
        await using var redis = await RedisServer.StartAsync();
        RedisStapleStore[] stores = [Connect(redis), Connect(redis), Connect(redis)];
        try
        {
            for (int round = 0; round < 30; round++)
            {
                string key = "race" + round;
                bool[] won = await Task.WhenAll(stores.Select((s, i) => s.TryAcquireLeaseAsync(key, "owner" + i, TimeSpan.FromSeconds(10), None).AsTask()));
                Assert.Equal(1, won.Count(w => w));
            }
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [SkippableFact]
    public async Task A_slow_or_dead_redis_fails_calls_within_the_operation_timeout()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var store = Connect(redis, operationTimeoutMs: 500);
        await store.SaveAsync("k", new byte[] { 1 }, None);

        using (var direct = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true"))
        {
            await direct.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "3000", "ALL"); // every other client now waits
            var slow = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<Exception>(async () => await store.LoadAsync("k", None));
            Assert.True(slow.Elapsed < TimeSpan.FromSeconds(2), $"a paused redis held the call for {slow.Elapsed}");
        }

        await redis.KillAsync();
        var dead = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<Exception>(async () => await store.TryAcquireLeaseAsync("k", "a", TimeSpan.FromSeconds(1), None));
        await Assert.ThrowsAnyAsync<Exception>(async () => await store.SaveAsync("k", new byte[] { 2 }, None));
        Assert.True(dead.Elapsed < TimeSpan.FromSeconds(3), $"a dead redis held two calls for {dead.Elapsed}");
    }

    [Fact]
    public async Task Connecting_to_nothing_returns_and_calls_fail_fast()
    {
        var watch = Stopwatch.StartNew();
        await using var store = RedisStapleStore.Connect(new RedisStapleStoreOptions
        {
            Configuration = $"127.0.0.1:{LoopbackPorts.Free()}",
            ConnectTimeout = TimeSpan.FromMilliseconds(300),
            OperationTimeout = TimeSpan.FromMilliseconds(300),
        });
        Assert.False(store.IsConnected);
        await Assert.ThrowsAnyAsync<Exception>(async () => await store.LoadAsync("k", None));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("redis://127.0.0.1:6380", "127.0.0.1:6380", 0)]
    [InlineData("redis://127.0.0.1", "127.0.0.1:6379", 0)]
    [InlineData("redis://127.0.0.1:6379/3", "127.0.0.1:6379", 3)]
    [InlineData("redis://:secret@127.0.0.1:6379", "127.0.0.1:6379,password=secret", 0)]
    public void Urls_map_to_a_configuration(string url, string configuration, int database)
    {
        RedisStapleStoreOptions options = RedisStapleStoreOptions.FromUri(new Uri(url));
        Assert.Equal(configuration, options.Configuration);
        Assert.Equal(database, options.Database);
    }

    [Theory]
    [InlineData("http://127.0.0.1:6379")]
    [InlineData("redis://127.0.0.1:6379/99")]
    [InlineData("redis://127.0.0.1:6379/x")]
    public void Bad_urls_are_refused(string url)
    {
        Assert.Throws<FormatException>(() => RedisStapleStoreOptions.FromUri(new Uri(url)));
    }

    [Fact]
    public void Bad_options_name_the_option_and_range()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => RedisStapleStore.Connect(new RedisStapleStoreOptions { OperationTimeout = TimeSpan.Zero }));
        Assert.Contains("RedisStapleStoreOptions.OperationTimeout is 00:00:00; allowed: 00:00:00.0100000 to 00:01:00", ex.Message, StringComparison.Ordinal);
    }
}
