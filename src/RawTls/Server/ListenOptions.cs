using System.Net;
using RawTls.Internal;

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

    internal ListenOptions Copy()
    {
        var copy = new ListenOptions
        {
            ProxyProtocol = ProxyProtocol,
            ProxyHeaderTimeout = ProxyHeaderTimeout,
            MaxProxyHeaderBytes = MaxProxyHeaderBytes,
        };
        foreach (IPNetwork network in ProxyTrustedNetworks)
        {
            copy.ProxyTrustedNetworks.Add(network);
        }

        return copy;
    }

    /// <summary>Throws when a setting is out of range (the error names the option and the range); run at start.</summary>
    internal void Validate(IPEndPoint endPoint)
    {
        string path = $"TlsServerOptions.EndPointOptions[{endPoint}]";
        OptionCheck.Range(path + ".ProxyProtocol", (int)ProxyProtocol, (int)ProxyProtocolMode.None, (int)ProxyProtocolMode.Any);
        if (ProxyProtocol == ProxyProtocolMode.None)
        {
            return;
        }

        if (ProxyTrustedNetworks.Count == 0)
        {
            OptionCheck.Throw(path + ".ProxyTrustedNetworks", "empty", "the balancers' networks, one or more (e.g. 10.0.0.0/8; 0.0.0.0/0 and ::/0 trust every source)");
        }

        OptionCheck.Range(path + ".ProxyHeaderTimeout", ProxyHeaderTimeout, MinProxyHeaderTimeout, MaxProxyHeaderTimeout);
        OptionCheck.Range(path + ".MaxProxyHeaderBytes", MaxProxyHeaderBytes, MinProxyHeaderBytes, MaxProxyHeaderBytesLimit);
    }
}
