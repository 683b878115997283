using System.Net.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using RawTls.Kestrel.Internal;

namespace RawTls.Kestrel;

/// <summary>Serves TLS on a Kestrel endpoint with RawTls's certificates and staples.</summary>
public static class ListenOptionsExtensions
{
    /// <summary>
    /// Enables HTTPS on this endpoint with the <see cref="RawTlsStapling"/> registered by
    /// <see cref="RawTlsKestrelServiceCollectionExtensions.AddRawTlsStapling(IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration, Action{RawTls.Server.TlsServerOptions}?)"/>:
    /// each handshake gets the current stapled context for its server name.
    /// </summary>
    public static ListenOptions UseRawTlsStapling(this ListenOptions listenOptions)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        RawTlsStapling stapling = listenOptions.ApplicationServices?.GetService<RawTlsStapling>()
            ?? throw new InvalidOperationException("RawTls stapling is not registered: call services.AddRawTlsStapling(...) first, or pass a RawTlsStapling.");
        return listenOptions.UseRawTlsStapling(stapling);
    }

    /// <summary>Enables HTTPS on this endpoint with <paramref name="stapling"/> (started by the caller before the first handshake).</summary>
    public static ListenOptions UseRawTlsStapling(this ListenOptions listenOptions, RawTlsStapling stapling)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        ArgumentNullException.ThrowIfNull(stapling);
        TimeSpan timeout = stapling.Options.HandshakeTimeout;
        return listenOptions.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = ListenerHandshake.Callback,
            OnConnectionState = new ListenerHandshake(stapling, ProtocolsFor(listenOptions.Protocols, stapling.ApplicationProtocols)),
            HandshakeTimeout = timeout > TimeSpan.Zero ? timeout : Timeout.InfiniteTimeSpan,
        });
    }

    /// <summary>The ALPN list for the endpoint's HTTP versions (the stapling set's own list when it already fits).</summary>
    private static List<SslApplicationProtocol> ProtocolsFor(HttpProtocols protocols, List<SslApplicationProtocol> configured)
    {
        var alpn = new List<SslApplicationProtocol>(2);
        if ((protocols & HttpProtocols.Http2) != 0)
        {
            alpn.Add(SslApplicationProtocol.Http2);
        }

        if ((protocols & HttpProtocols.Http1) != 0)
        {
            alpn.Add(SslApplicationProtocol.Http11);
        }

        return alpn.SequenceEqual(configured) ? configured : alpn;
    }
}
