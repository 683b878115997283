namespace RawTls.Server;

/// <summary>Whether the server asks clients for a certificate.</summary>
public enum ClientCertificateMode
{
    /// <summary>No client certificate is requested (default).</summary>
    NoCertificate,

    /// <summary>A certificate is requested; clients may send none.</summary>
    AllowCertificate,

    /// <summary>A certificate is required; handshakes without one fail.</summary>
    RequireCertificate,
}
