namespace RawTls.Server;

/// <summary>Whether an endpoint expects a PROXY protocol header (HAProxy's spec) before the TLS handshake.</summary>
public enum ProxyProtocolMode
{
    /// <summary>No header: clients connect directly (default).</summary>
    None,

    /// <summary>Every connection starts with a version 1 (text) header.</summary>
    V1,

    /// <summary>Every connection starts with a version 2 (binary) header.</summary>
    V2,

    /// <summary>Every connection starts with a version 1 or a version 2 header.</summary>
    Any,
}
