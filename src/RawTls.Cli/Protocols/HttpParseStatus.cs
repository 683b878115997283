namespace RawTls.Cli.Protocols;

/// <summary>Outcome of parsing one request head.</summary>
internal enum HttpParseStatus
{
    /// <summary>A complete head was consumed.</summary>
    Complete,

    /// <summary>The head is not complete yet: read more.</summary>
    NeedMoreData,

    /// <summary>Malformed: answer 400 and close.</summary>
    BadRequest,

    /// <summary>The request line is too long: answer 414 and close.</summary>
    UriTooLong,

    /// <summary>The header block is too large: answer 431 and close.</summary>
    HeadersTooLarge,

    /// <summary>A request body framing we do not support (Transfer-Encoding): answer 501 and close.</summary>
    NotImplemented,
}
