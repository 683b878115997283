using System.CommandLine;
using System.Net;
using RawTls.Certificates;
using RawTls.Ocsp;
using RawTls.Redis;
using RawTls.Server;
using RawTls.Stapling;

namespace RawTls.Cli.Commands;

/// <summary>
/// <c>serve</c> behind a balancer: <c>--proxy-protocol v1|v2|any</c> with <c>--proxy-trusted CIDR</c> (repeatable),
/// <c>--staple-store redis://HOST:PORT | dir:PATH | PATH</c>, and <c>--drain-delay DURATION</c> (how long readiness
/// reports false before the listener closes on SIGTERM).
/// </summary>
internal sealed class ServeFleetOptions
{
    private ServeFleetOptions(ProxyProtocolMode proxy, List<IPNetwork> trusted, string? store, TimeSpan drainDelay)
    {
        ProxyProtocol = proxy;
        Trusted = trusted;
        StapleStore = store;
        DrainDelay = drainDelay;
    }

    public ProxyProtocolMode ProxyProtocol { get; }

    public IReadOnlyList<IPNetwork> Trusted { get; }

    public string? StapleStore { get; }

    public TimeSpan DrainDelay { get; }

    public static ServeFleetOptions From(ParseResult cl)
    {
        ProxyProtocolMode proxy = cl.GetValue(ServeCommand.ProxyProtocol);
        List<IPNetwork> trusted = [.. cl.GetValue(ServeCommand.ProxyTrusted) ?? []];
        if (proxy != ProxyProtocolMode.None && trusted.Count == 0)
        {
            throw new CommandLineException("--proxy-protocol needs at least one --proxy-trusted CIDR (the balancers' addresses, e.g. 10.0.0.0/8)");
        }

        if (proxy == ProxyProtocolMode.None && trusted.Count > 0)
        {
            throw new CommandLineException("--proxy-trusted is only used with --proxy-protocol v1|v2|any");
        }

        TimeSpan drainDelay = cl.GetValue(ServeCommand.DrainDelay);
        if (drainDelay > TimeSpan.FromMinutes(10))
        {
            throw new CommandLineException($"--drain-delay must be between 0s and 10m, got {drainDelay}");
        }

        return new ServeFleetOptions(proxy, trusted, cl.GetValue(ServeCommand.StapleStore), drainDelay);
    }

    /// <summary>Parses <c>--proxy-trusted</c>: an IPv4 or IPv6 network in CIDR form.</summary>
    public static IPNetwork ParseNetwork(string cidr, string name) =>
        IPNetwork.TryParse(cidr, out IPNetwork network)
            ? network
            : throw new CommandLineException($"--{name} must be a network such as 10.0.0.0/8 or 127.0.0.1/32, got '{cidr}'");

    /// <summary>Adds the listening endpoint, with the PROXY protocol when asked for.</summary>
    public void AddEndPoint(TlsServerOptions options, IPEndPoint listen)
    {
        if (ProxyProtocol == ProxyProtocolMode.None)
        {
            options.EndPoints.Add(listen);
            return;
        }

        options.Listen(listen.Address, listen.Port, l =>
        {
            l.ProxyProtocol = ProxyProtocol;
            foreach (IPNetwork network in Trusted)
            {
                l.ProxyTrustedNetworks.Add(network);
            }
        });
    }

    /// <summary>
    /// Applies <c>--staple-store</c> (over <paramref name="stapleCache"/>, the <c>--staple-cache</c> or default directory).
    /// Returns the Redis store to dispose at exit, or null.
    /// </summary>
    public RedisStapleStore? ApplyStapleStore(StaplingOptions stapling, string? stapleCache)
    {
        stapling.CacheDirectory = stapleCache;
        if (StapleStore is null)
        {
            return null;
        }

        if (StapleStore.StartsWith("redis://", StringComparison.Ordinal))
        {
            RedisStapleStoreOptions redis;
            try
            {
                redis = RedisStapleStoreOptions.FromUri(new Uri(StapleStore));
            }
            catch (Exception ex) when (ex is FormatException or UriFormatException)
            {
                throw new CommandLineException($"--staple-store: {ex.Message}");
            }

            var store = RedisStapleStore.Connect(redis);
            stapling.Store = store;
            stapling.CacheDirectory = null;
            Console.WriteLine($"staple store: {StapleStore} ({(store.IsConnected ? "connected" : "not reachable yet; fetching alone until it is")})");
            return store;
        }

        string dir = StapleStore.StartsWith("dir:", StringComparison.Ordinal) ? StapleStore[4..] : StapleStore;
        if (dir.Length == 0 || dir.Contains("://", StringComparison.Ordinal))
        {
            throw new CommandLineException($"--staple-store must be redis://HOST:PORT, dir:PATH or a directory path, got '{StapleStore}'");
        }

        stapling.CacheDirectory = Path.GetFullPath(dir);
        Console.WriteLine($"staple store: directory {stapling.CacheDirectory}");
        return null;
    }

    /// <summary>
    /// The drain order on SIGTERM: readiness false (<c>/ready</c> answers 503, answers say <c>Connection: close</c>),
    /// wait <see cref="DrainDelay"/> while still serving so the balancer's checks take the instance out, then stop
    /// accepting and drain open connections (<see cref="TlsServer.StopAsync"/>).
    /// </summary>
    public async Task DrainAsync(TlsServer server, ServeReadiness readiness)
    {
        readiness.BeginDrain();
        if (DrainDelay > TimeSpan.Zero)
        {
            Console.WriteLine($"draining: readiness false, still serving for {DrainDelay.TotalSeconds:0.###}s");
            await Task.Delay(DrainDelay).ConfigureAwait(false);
        }

        Console.WriteLine("stopping: listener closed, draining open connections");
        await server.StopAsync().ConfigureAwait(false);
    }
}
