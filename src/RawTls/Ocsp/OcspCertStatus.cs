namespace RawTls.Ocsp;

/// <summary>CertStatus CHOICE of a SingleResponse.</summary>
internal enum OcspCertStatus
{
    Good = 0,
    Revoked = 1,
    Unknown = 2,
}
