using System.Security.Cryptography.X509Certificates;
using RawTls.Ocsp;

namespace RawTls.Stapling;

/// <summary>Data of <see cref="StaplingOptions.CertificateRevoked"/>.</summary>
public sealed class CertificateRevokedEventArgs : EventArgs
{
    // Raised only by the stapler, with a response it validated.
    internal CertificateRevokedEventArgs(X509Certificate2 certificate, OcspStaple staple)
    {
        Certificate = certificate;
        Staple = staple;
    }

    /// <summary>The revoked certificate.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The validated REVOKED response.</summary>
    public OcspStaple Staple { get; }
}
