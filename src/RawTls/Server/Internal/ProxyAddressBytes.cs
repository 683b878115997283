using System.Runtime.CompilerServices;

namespace RawTls.Server.Internal;

/// <summary>An IPv4 (first 4 bytes) or IPv6 address in network order, held inline so a parsed header allocates nothing.</summary>
[InlineArray(16)]
internal struct ProxyAddressBytes
{
    private byte _first;
}
