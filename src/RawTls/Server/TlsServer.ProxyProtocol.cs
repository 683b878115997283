using System.Net;
using RawTls.Server.Internal;

namespace RawTls.Server;

/// <summary>Per-endpoint PROXY protocol settings, validated and frozen at start.</summary>
public sealed partial class TlsServer
{
    /// <summary>Counts and reports PROXY header outcomes; null when no endpoint expects a header.</summary>
    internal ProxyRejectionReporter? ProxyReporter { get; private set; }

    /// <summary>
    /// Builds one entry per endpoint (null where no header is expected), in <see cref="TlsServerOptions.EndPoints"/> order,
    /// from the validated copy of the options. Returns the shortest header timeout in ms, or
    /// <see cref="long.MaxValue"/>, so the heartbeat enforces it in time.
    /// </summary>
    private long CreateProxySettings()
    {
        long shortest = long.MaxValue;
        foreach (IPEndPoint endPoint in _options.EndPoints)
        {
            ProxyProtocolSettings? settings = null;
            if (_options.EndPointOptions.TryGetValue(endPoint, out ListenOptions? listen) && listen.ProxyProtocol != ProxyProtocolMode.None)
            {
                ProxyReporter ??= new ProxyRejectionReporter(Meter, _logger, _options.TimeProvider);
                settings = new ProxyProtocolSettings(listen, ProxyReporter);
                shortest = Math.Min(shortest, settings.TimeoutMilliseconds);
            }

            _listenerProxies.Add(settings);
        }

        return shortest;
    }
}
