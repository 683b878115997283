using System.Net;

namespace RawTls.Server;

/// <summary>What a PROXY protocol header said about a connection (see <see cref="TlsConnection.ProxyProtocol"/>).</summary>
public sealed class ProxyProtocolInfo
{
    internal ProxyProtocolInfo(int version, bool isLocal, IPEndPoint? source, IPEndPoint? destination, ReadOnlyMemory<byte> applicationProtocol, string? authority)
    {
        Version = version;
        IsLocal = isLocal;
        SourceEndPoint = source;
        DestinationEndPoint = destination;
        ApplicationProtocol = applicationProtocol;
        Authority = authority;
    }

    /// <summary>1 (text header) or 2 (binary header).</summary>
    public int Version { get; }

    /// <summary>
    /// True for the balancer's own connections (v2 LOCAL, v1 UNKNOWN, or an address family other than TCP over IPv4/IPv6),
    /// such as health checks: the connection's addresses are then the socket's.
    /// </summary>
    public bool IsLocal { get; }

    /// <summary>The client's address as the balancer saw it, or null when <see cref="IsLocal"/>.</summary>
    public IPEndPoint? SourceEndPoint { get; }

    /// <summary>The address the client connected to on the balancer, or null when <see cref="IsLocal"/>.</summary>
    public IPEndPoint? DestinationEndPoint { get; }

    /// <summary>The v2 ALPN TLV (PP2_TYPE_ALPN): the protocol the client negotiated with the balancer; empty when absent.</summary>
    public ReadOnlyMemory<byte> ApplicationProtocol { get; }

    /// <summary>The v2 authority TLV (PP2_TYPE_AUTHORITY): the host name (SNI) the client sent the balancer, or null.</summary>
    public string? Authority { get; }
}
