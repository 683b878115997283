using System.Net;

namespace RawTls.Hosting.Internal;

/// <summary>Parses <see cref="RawTlsEndpointOptions.Address"/>.</summary>
internal static class EndpointAddress
{
    public static IPAddress? Parse(string? text) => text?.Trim() switch
    {
        null or "" => null,
        var t when t.Equals("Any", StringComparison.OrdinalIgnoreCase) || t == "*" => IPAddress.Any,
        var t when t.Equals("IPv6Any", StringComparison.OrdinalIgnoreCase) => IPAddress.IPv6Any,
        var t when t.Equals("Loopback", StringComparison.OrdinalIgnoreCase) => IPAddress.Loopback,
        var t => IPAddress.TryParse(t, out IPAddress? ip) ? ip : null,
    };
}
