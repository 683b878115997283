namespace RawTls.Ocsp;

/// <summary>OCSPResponseStatus (RFC 6960 §4.2.1); the one copy, also used by the development responder.</summary>
internal enum OcspResponseStatus
{
    /// <summary>Response has valid confirmations.</summary>
    Successful = 0,

    /// <summary>Illegal confirmation request.</summary>
    MalformedRequest = 1,

    /// <summary>Internal error in issuer.</summary>
    InternalError = 2,

    /// <summary>Try again later.</summary>
    TryLater = 3,

    /// <summary>Must sign the request.</summary>
    SigRequired = 5,

    /// <summary>Request unauthorized.</summary>
    Unauthorized = 6,
}
