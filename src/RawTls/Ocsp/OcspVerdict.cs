namespace RawTls.Ocsp;

/// <summary>The outcome of validating an OCSP response.</summary>
internal enum OcspVerdict
{
    /// <summary>The response is authentic, fresh and says the certificate is good.</summary>
    Good,

    /// <summary>The response is authentic, fresh and says the certificate is revoked.</summary>
    Revoked,

    /// <summary>The response is authentic and fresh but the responder does not know the certificate.</summary>
    Unknown,

    /// <summary>The response must not be used; see <see cref="OcspValidationResult.RejectReason"/>.</summary>
    Rejected,
}
