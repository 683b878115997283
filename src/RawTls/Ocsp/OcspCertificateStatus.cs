namespace RawTls.Ocsp;

/// <summary>The certificate status an OCSP response asserts.</summary>
public enum OcspCertificateStatus
{
    /// <summary>The certificate is not revoked.</summary>
    Good,

    /// <summary>The certificate is revoked.</summary>
    Revoked,

    /// <summary>The responder does not know the certificate.</summary>
    Unknown,
}
