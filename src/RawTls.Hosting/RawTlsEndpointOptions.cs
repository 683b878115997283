namespace RawTls.Hosting;

/// <summary>One address to listen on.</summary>
public sealed class RawTlsEndpointOptions
{
    /// <summary>An IP address, <c>Any</c>, <c>IPv6Any</c> or <c>Loopback</c>. Default <c>Any</c>.</summary>
    public string Address { get; set; } = "Any";

    /// <summary>The TCP port, 0–65535 (0 picks a free one). Required.</summary>
    public int? Port { get; set; }
}
