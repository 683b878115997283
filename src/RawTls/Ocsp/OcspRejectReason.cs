namespace RawTls.Ocsp;

/// <summary>Why an OCSP response was rejected.</summary>
internal enum OcspRejectReason
{
    /// <summary>Not rejected.</summary>
    None,

    /// <summary>The bytes are not a well-formed OCSP response.</summary>
    Malformed,

    /// <summary>responseStatus malformedRequest (1).</summary>
    MalformedRequest,

    /// <summary>responseStatus internalError (2).</summary>
    InternalError,

    /// <summary>responseStatus tryLater (3).</summary>
    TryLater,

    /// <summary>responseStatus sigRequired (5).</summary>
    SigRequired,

    /// <summary>responseStatus unauthorized (6).</summary>
    Unauthorized,

    /// <summary>A responseStatus value RFC 6960 does not define.</summary>
    UnknownResponseStatus,

    /// <summary>The response type is not id-pkix-ocsp-basic.</summary>
    UnsupportedResponseType,

    /// <summary>A critical extension this validator does not process.</summary>
    UnhandledCriticalExtension,

    /// <summary>The signature algorithm is not supported.</summary>
    UnsupportedSignatureAlgorithm,

    /// <summary>No signer could be found: the responder id matches neither the issuer nor an included certificate, and the issuer's key does not verify.</summary>
    Unverifiable,

    /// <summary>The signature does not verify with the identified signer's key.</summary>
    InvalidSignature,

    /// <summary>The responder id does not identify the key that signed the response.</summary>
    ResponderIdMismatch,

    /// <summary>The signer is a certificate not issued by the certificate's issuer, or lacks the OCSP-signing extended key usage.</summary>
    UnauthorizedSigner,

    /// <summary>The delegated responder certificate is outside its validity period.</summary>
    SignerCertificateNotValid,

    /// <summary>No single response is for our CertID.</summary>
    CertIdMismatch,

    /// <summary>More than one single response is for our CertID.</summary>
    AmbiguousResponse,

    /// <summary>thisUpdate is later than now plus the allowed clock skew.</summary>
    NotYetValid,

    /// <summary>The response has no nextUpdate, so its freshness cannot be bounded.</summary>
    MissingNextUpdate,

    /// <summary>nextUpdate is not later than now.</summary>
    Expired,

    /// <summary>thisUpdate is older than that of the staple currently held.</summary>
    Rollback,
}
