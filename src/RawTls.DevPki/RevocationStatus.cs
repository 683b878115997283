using RawTls.Ocsp;

namespace RawTls.DevPki;

/// <summary>Status of one certificate: good, revoked (with time and optional reason) or unknown.</summary>
/// <param name="Kind">Good, revoked or unknown.</param>
/// <param name="RevokedAt">Revocation time when <paramref name="Kind"/> is <see cref="OcspCertificateStatus.Revoked"/>.</param>
/// <param name="Reason">Optional revocation reason.</param>
public readonly record struct RevocationStatus(OcspCertificateStatus Kind, DateTimeOffset? RevokedAt = null, OcspRevocationReason? Reason = null)
{
    /// <summary>The certificate is good.</summary>
    public static RevocationStatus Good => new(OcspCertificateStatus.Good);

    /// <summary>The certificate is unknown to the responder.</summary>
    public static RevocationStatus Unknown => new(OcspCertificateStatus.Unknown);

    /// <summary>The certificate was revoked at <paramref name="time"/>.</summary>
    public static RevocationStatus Revoked(DateTimeOffset time, OcspRevocationReason? reason = null) => new(OcspCertificateStatus.Revoked, time, reason);
}
