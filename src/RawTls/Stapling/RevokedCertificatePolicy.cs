namespace RawTls.Stapling;

/// <summary>What the server does once the responder says its certificate is revoked.</summary>
public enum RevokedCertificatePolicy
{
    /// <summary>Staple the REVOKED response truthfully (default): clients that check will refuse the certificate.</summary>
    StapleRevoked,

    /// <summary>Stop serving the certificate: handshakes that would select it fail.</summary>
    StopServing,

    /// <summary>Serve <see cref="StaplingOptions.FallbackCertificate"/> in its place.</summary>
    UseFallbackCertificate,
}
