namespace RawTls.Server.Internal;

/// <summary>Why a connection was closed before its PROXY header was accepted; the metric tag is the snake_case name.</summary>
internal enum ProxyRejectReason
{
    /// <summary>The connection came from outside the trusted networks.</summary>
    Untrusted,

    /// <summary>The first bytes were not a PROXY header (no header, or a broken signature).</summary>
    NoHeader,

    /// <summary>A header of a version the endpoint does not accept.</summary>
    Version,

    /// <summary>A header that breaks the spec.</summary>
    Malformed,

    /// <summary>A header over the size limit.</summary>
    TooLarge,

    /// <summary>The peer closed or reset the connection in the middle of the header.</summary>
    Truncated,

    /// <summary>The header was not complete within the header timeout.</summary>
    Timeout,
}
