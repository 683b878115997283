using RawTls.Stapling;
using StackExchange.Redis;

namespace RawTls.Redis;

/// <summary>
/// An <see cref="IStapleStore"/> in Redis (through StackExchange.Redis), shared by every instance of a fleet: one
/// instance fetches per refresh under a <c>SET NX PX</c> lease, the others read its response (and validate it as if
/// fetched). Calls fail fast (<see cref="RedisStapleStoreOptions.OperationTimeout"/>); a Redis that is down only costs
/// the shared copy.
/// </summary>
/// <example>
/// <code>
/// await using var store = RedisStapleStore.Connect(new RedisStapleStoreOptions { Configuration = "10.0.0.5:6379" });
/// options.Stapling.Store = store;
/// </code>
/// </example>
public sealed class RedisStapleStore : IStapleStore, IAsyncDisposable
{
    // Owner-checked: only the holder extends or gives back a lease, so a slow holder whose lease expired and was taken
    // over cannot cut the new holder's lease short.
    private const string ExtendScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
    private const string ReleaseScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

    private readonly IConnectionMultiplexer _redis;
    private readonly bool _owned;
    private readonly RedisStapleStoreOptions _options;

    /// <summary>A store over a multiplexer the caller owns (and disposes).</summary>
    public RedisStapleStore(IConnectionMultiplexer redis, RedisStapleStoreOptions? options = null)
        : this(redis, options ?? new RedisStapleStoreOptions(), owned: false)
    {
    }

    private RedisStapleStore(IConnectionMultiplexer redis, RedisStapleStoreOptions options, bool owned)
    {
        ArgumentNullException.ThrowIfNull(redis);
        options.Validate();
        _redis = redis;
        _owned = owned;
        _options = options;
    }

    /// <summary>
    /// Connects to <see cref="RedisStapleStoreOptions.Configuration"/>. Returns at once even when Redis is down: the
    /// client reconnects in the background and calls fail fast until it is back.
    /// </summary>
    public static RedisStapleStore Connect(RedisStapleStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ConfigurationOptions configuration = ConfigurationOptions.Parse(options.Configuration);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = (int)options.ConnectTimeout.TotalMilliseconds;
        configuration.AsyncTimeout = (int)Math.Max(10, options.OperationTimeout.TotalMilliseconds);
        configuration.SyncTimeout = configuration.AsyncTimeout;
        configuration.ConnectRetry = 1;
        configuration.ClientName ??= "rawtls";
        return new RedisStapleStore(ConnectionMultiplexer.Connect(configuration), options, owned: true);
    }

    /// <summary>Whether the client is connected now (for status pages; calls do not need it).</summary>
    public bool IsConnected => _redis.IsConnected;

    /// <inheritdoc />
    public async ValueTask<byte[]?> LoadAsync(string key, CancellationToken cancellationToken)
    {
        RedisValue value = await Run(Database.StringGetAsync(StapleKey(key)), cancellationToken).ConfigureAwait(false);
        return value.IsNull ? null : (byte[]?)value;
    }

    /// <inheritdoc />
    public async ValueTask SaveAsync(string key, ReadOnlyMemory<byte> response, CancellationToken cancellationToken)
    {
        // One SET replaces the value whole: a reader sees the old bytes or the new ones.
        await Run(Database.StringSetAsync(StapleKey(key), response, _options.EntryLifetime), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryAcquireLeaseAsync(string key, string owner, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        TimeSpan lease = duration < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : duration;
        RedisKey leaseKey = LeaseKey(key);
        if (await Run(Database.StringSetAsync(leaseKey, owner, lease, When.NotExists), cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        RedisResult extended = await Run(Database.ScriptEvaluateAsync(ExtendScript, [leaseKey], [owner, (long)lease.TotalMilliseconds]), cancellationToken).ConfigureAwait(false);
        return (long)extended == 1;
    }

    /// <inheritdoc />
    public async ValueTask ReleaseLeaseAsync(string key, string owner, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        await Run(Database.ScriptEvaluateAsync(ReleaseScript, [LeaseKey(key)], [owner]), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the connection when this store opened it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_owned)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }

    private IDatabase Database => _redis.GetDatabase(_options.Database);

    private RedisKey StapleKey(string key) => _options.KeyPrefix + "staple:" + CheckKey(key);

    private RedisKey LeaseKey(string key) => _options.KeyPrefix + "lease:" + CheckKey(key);

    private static string CheckKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return key;
    }

    /// <summary>Bounds a call by the operation timeout even on a multiplexer the caller configured.</summary>
    private Task<T> Run<T>(Task<T> call, CancellationToken cancellationToken) => call.WaitAsync(_options.OperationTimeout, cancellationToken);
}
