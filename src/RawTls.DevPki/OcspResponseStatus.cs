namespace RawTls.DevPki;

/// <summary>OCSPResponseStatus values (RFC 6960 §4.2.1).</summary>
public enum OcspResponseStatus
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
