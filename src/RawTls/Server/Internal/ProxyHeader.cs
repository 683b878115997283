using System.Net;
using System.Net.Sockets;

namespace RawTls.Server.Internal;

/// <summary>
/// A parsed PROXY header: plain values, and offsets into the parsed input for the TLVs kept, so parsing allocates
/// nothing. <see cref="ToInfo"/> turns it into the public shape once the header is accepted.
/// </summary>
internal struct ProxyHeader
{
    /// <summary>1 or 2.</summary>
    public int Version;

    /// <summary>LOCAL, UNKNOWN or an unsupported family: use the socket's addresses.</summary>
    public bool IsLocal;

    /// <summary><see cref="AddressFamily.InterNetwork"/> or <see cref="AddressFamily.InterNetworkV6"/> unless <see cref="IsLocal"/>.</summary>
    public AddressFamily Family;

    public ProxyAddressBytes Source;
    public ProxyAddressBytes Destination;
    public ushort SourcePort;
    public ushort DestinationPort;

    /// <summary>Offset and length of the ALPN TLV value in the input; length -1 when absent.</summary>
    public int AlpnOffset;
    public int AlpnLength;

    /// <summary>Offset and length of the authority TLV value in the input; length -1 when absent.</summary>
    public int AuthorityOffset;
    public int AuthorityLength;

    public readonly IPEndPoint? SourceEndPoint() => IsLocal ? null : new IPEndPoint(Address(Source), SourcePort);

    public readonly IPEndPoint? DestinationEndPoint() => IsLocal ? null : new IPEndPoint(Address(Destination), DestinationPort);

    /// <summary>The public shape; <paramref name="input"/> is the buffer the header was parsed from.</summary>
    public readonly ProxyProtocolInfo ToInfo(ReadOnlySpan<byte> input) => new(
        Version,
        IsLocal,
        SourceEndPoint(),
        DestinationEndPoint(),
        AlpnLength > 0 ? input.Slice(AlpnOffset, AlpnLength).ToArray() : ReadOnlyMemory<byte>.Empty,
        AuthorityLength > 0 ? System.Text.Encoding.UTF8.GetString(input.Slice(AuthorityOffset, AuthorityLength)) : null);

    private readonly IPAddress Address(in ProxyAddressBytes bytes)
    {
        ReadOnlySpan<byte> all = bytes;
        return new IPAddress(Family == AddressFamily.InterNetwork ? all[..4] : all);
    }
}
