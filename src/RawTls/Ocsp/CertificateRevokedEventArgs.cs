using System.Security.Cryptography.X509Certificates;

namespace RawTls.Ocsp;

/// <summary>Data of <see cref="StaplingOptions.CertificateRevoked"/>.</summary>
public sealed class CertificateRevokedEventArgs(X509Certificate2 certificate, OcspStaple staple) : EventArgs
{
    /// <summary>The revoked certificate.</summary>
    public X509Certificate2 Certificate { get; } = certificate;

    /// <summary>The validated REVOKED response.</summary>
    public OcspStaple Staple { get; } = staple;
}
