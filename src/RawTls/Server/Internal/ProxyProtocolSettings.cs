using System.Net;

namespace RawTls.Server.Internal;

/// <summary>One endpoint's PROXY protocol settings, frozen at start (the options stay the user's to change).</summary>
internal sealed class ProxyProtocolSettings
{
    private readonly IPNetwork[] _trusted;

    public ProxyProtocolSettings(ListenOptions options, ProxyRejectionReporter reporter)
    {
        Mode = options.ProxyProtocol;
        _trusted = [.. options.ProxyTrustedNetworks];
        TimeoutMilliseconds = (long)options.ProxyHeaderTimeout.TotalMilliseconds;
        MaxBytes = options.MaxProxyHeaderBytes;
        Reporter = reporter;
    }

    public ProxyProtocolMode Mode { get; }

    public long TimeoutMilliseconds { get; }

    public int MaxBytes { get; }

    public ProxyRejectionReporter Reporter { get; }

    /// <summary>Whether <paramref name="address"/> may send a header (an IPv4-mapped IPv6 peer of a dual-mode socket is matched as IPv4 too).</summary>
    public bool IsTrusted(IPAddress address)
    {
        IPAddress? v4 = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : null;
        foreach (IPNetwork network in _trusted)
        {
            if (network.Contains(address) || (v4 is not null && network.Contains(v4)))
            {
                return true;
            }
        }

        return false;
    }
}
