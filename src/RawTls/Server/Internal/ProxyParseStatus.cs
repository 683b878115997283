namespace RawTls.Server.Internal;

/// <summary>The outcome of <see cref="ProxyHeaderParser.TryParse"/>.</summary>
internal enum ProxyParseStatus
{
    /// <summary>A whole, valid header: <c>consumed</c> bytes belong to it.</summary>
    Complete,

    /// <summary>Everything so far is a valid start of a header; every byte given belongs to it.</summary>
    NeedMoreData,

    /// <summary>The bytes start neither signature (e.g. a TLS ClientHello, or a broken v2 signature).</summary>
    NotProxyProtocol,

    /// <summary>A valid signature of a version the endpoint does not accept.</summary>
    VersionNotAllowed,

    /// <summary>A header that breaks the spec: bad field, bad length, bad version or command, a line not ended by CRLF.</summary>
    Malformed,

    /// <summary>Longer than the limit (or a v1 line with no CRLF in 107 bytes).</summary>
    TooLarge,
}
