using System.Globalization;
using StackExchange.Redis;

namespace RawTls.Redis;

/// <summary>Settings of a <see cref="RedisStapleStore"/>.</summary>
public sealed class RedisStapleStoreOptions
{
    /// <summary>Where Redis is: a StackExchange.Redis configuration (e.g. <c>127.0.0.1:6379</c>, or <c>host:port,password=...</c>).</summary>
    public string Configuration { get; set; } = "127.0.0.1:6379";

    /// <summary>The database number. Default 0.</summary>
    public int Database { get; set; }

    /// <summary>Prefix of every key this store writes (<c>PREFIX staple:KEY</c>, <c>PREFIX lease:KEY</c>). Default <c>rawtls:</c>.</summary>
    public string KeyPrefix { get; set; } = "rawtls:";

    /// <summary>
    /// Longest wait for one call; a slower Redis is treated as down for that call (the caller falls back to fetching
    /// itself, serving is never blocked). Default 1 s; 10 ms to 1 min.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long connecting may take before a call fails. Default 2 s; 100 ms to 1 min.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a stored response is kept after its last save, so retired certificates do not linger. Default 10 days; 1 min to 365 days.</summary>
    public TimeSpan EntryLifetime { get; set; } = TimeSpan.FromDays(10);

    /// <summary>
    /// Options from a URL: <c>redis://[:password@]host[:port][/database]</c> (port 6379 by default). Throws
    /// <see cref="FormatException"/> naming what is wrong.
    /// </summary>
    public static RedisStapleStoreOptions FromUri(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.Scheme != "redis" || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException($"'{uri}' is not a redis://host[:port][/database] URL.");
        }

        var configuration = new ConfigurationOptions();
        configuration.EndPoints.Add(uri.Host.Trim('[', ']'), uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);
        int at = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        if (uri.UserInfo.Length > 0)
        {
            configuration.User = at > 0 ? Uri.UnescapeDataString(uri.UserInfo[..at]) : null;
            configuration.Password = Uri.UnescapeDataString(at >= 0 ? uri.UserInfo[(at + 1)..] : uri.UserInfo);
        }

        int database = 0;
        string path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database > 15))
        {
            throw new FormatException($"'{uri}': the path must be a database number 0 to 15, got '{path}'.");
        }

        return new RedisStapleStoreOptions { Configuration = configuration.ToString(includePassword: true), Database = database };
    }

    internal void Validate()
    {
        Check(nameof(OperationTimeout), OperationTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1));
        Check(nameof(ConnectTimeout), ConnectTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        Check(nameof(EntryLifetime), EntryLifetime, TimeSpan.FromMinutes(1), TimeSpan.FromDays(365));
        if (Database is < 0 or > 15)
        {
            throw new ArgumentOutOfRangeException(nameof(Database), $"RedisStapleStoreOptions.Database is {Database}; allowed: 0 to 15.");
        }

        if (string.IsNullOrWhiteSpace(Configuration))
        {
            throw new ArgumentException("RedisStapleStoreOptions.Configuration is empty; allowed: a Redis endpoint such as 127.0.0.1:6379.", nameof(Configuration));
        }
    }

    private static void Check(string name, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, $"RedisStapleStoreOptions.{name} is {value:c}; allowed: {min:c} to {max:c}.");
        }
    }
}
