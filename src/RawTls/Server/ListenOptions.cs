using System.Net;

namespace RawTls.Server;

/// <summary>
/// Settings of one listening endpoint, set with <see cref="TlsServerOptions.Listen(IPAddress, int, Action{ListenOptions})"/>.
/// Behind a load balancer (HAProxy, nginx stream, a cloud NLB) that speaks the PROXY protocol, the header is read before
/// the TLS handshake and <see cref="TlsConnection.RemoteEndPoint"/> becomes the client's address.
/// </summary>
public sealed class ListenOptions
{
    /// <summary>The shortest <see cref="ProxyHeaderTimeout"/> accepted.</summary>
    public static readonly TimeSpan MinProxyHeaderTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest <see cref="ProxyHeaderTimeout"/> accepted.</summary>
    public static readonly TimeSpan MaxProxyHeaderTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The smallest <see cref="MaxProxyHeaderBytes"/> accepted: a worst-case version 1 line (107 bytes) fits.</summary>
    public const int MinProxyHeaderBytes = 108;

    /// <summary>The largest <see cref="MaxProxyHeaderBytes"/> accepted: the largest version 2 header (16 + 65,535 bytes).</summary>
    public const int MaxProxyHeaderBytesLimit = 16 + ushort.MaxValue;

    /// <summary>Whether connections must start with a PROXY protocol header, and which versions. Default <see cref="ProxyProtocolMode.None"/>.</summary>
    public ProxyProtocolMode ProxyProtocol { get; set; } = ProxyProtocolMode.None;

    /// <summary>
    /// Sources allowed to send a PROXY header (the balancers). A connection from anywhere else is closed before it can
    /// claim an address. Required (non-empty) when <see cref="ProxyProtocol"/> is set; add <c>0.0.0.0/0</c> and
    /// <c>::/0</c> to trust every source on purpose.
    /// </summary>
    public IList<IPNetwork> ProxyTrustedNetworks { get; } = new List<IPNetwork>();

    /// <summary>A header not complete within this time closes the connection. Default 5 s (the spec asks for at least 3 s, one TCP retransmit); 100 ms to 60 s.</summary>
    public TimeSpan ProxyHeaderTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A header longer than this (v2 with many TLVs) closes the connection. Default 1,024 bytes; 108 to 65,551.</summary>
    public int MaxProxyHeaderBytes { get; set; } = 1024;

    /// <summary>Throws when a setting is out of range; run by <see cref="TlsServer.StartAsync"/>.</summary>
    internal void Validate(IPEndPoint endPoint)
    {
        if (ProxyProtocol == ProxyProtocolMode.None)
        {
            return;
        }

        if (!Enum.IsDefined(ProxyProtocol))
        {
            throw new InvalidOperationException($"ListenOptions.ProxyProtocol for {endPoint} must be None, V1, V2 or Any, got {(int)ProxyProtocol}.");
        }

        if (ProxyTrustedNetworks.Count == 0)
        {
            throw new InvalidOperationException($"ListenOptions.ProxyTrustedNetworks for {endPoint} is empty: name the balancers' networks (e.g. 10.0.0.0/8) when ProxyProtocol is {ProxyProtocol}.");
        }

        if (ProxyHeaderTimeout < MinProxyHeaderTimeout || ProxyHeaderTimeout > MaxProxyHeaderTimeout)
        {
            throw new InvalidOperationException($"ListenOptions.ProxyHeaderTimeout for {endPoint} must be between 100 ms and 60 s, got {ProxyHeaderTimeout}.");
        }

        if (MaxProxyHeaderBytes < MinProxyHeaderBytes || MaxProxyHeaderBytes > MaxProxyHeaderBytesLimit)
        {
            throw new InvalidOperationException($"ListenOptions.MaxProxyHeaderBytes for {endPoint} must be between {MinProxyHeaderBytes} and {MaxProxyHeaderBytesLimit}, got {MaxProxyHeaderBytes}.");
        }
    }
}
