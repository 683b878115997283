namespace RawTls.Ocsp;

/// <summary>
/// The certificate status an OCSP response asserts: the CertStatus CHOICE of RFC 6960 §4.2.1, by its tag. The one copy,
/// read by the parser and answered by the development responder.
/// </summary>
public enum OcspCertificateStatus
{
    /// <summary>The certificate is not revoked.</summary>
    Good = 0,

    /// <summary>The certificate is revoked.</summary>
    Revoked = 1,

    /// <summary>The responder does not know the certificate.</summary>
    Unknown = 2,
}
