namespace RawTls.Certificates;

/// <summary>The outcome of a certificate reload.</summary>
public enum CertificateReloadResult
{
    /// <summary>The files hold what is served already (or the certificate is not file-based); nothing was swapped.</summary>
    Unchanged,

    /// <summary>A new certificate (or chain) was validated and is served now.</summary>
    Reloaded,

    /// <summary>The files could not be loaded or failed a check; the previous certificate is still served.</summary>
    Failed,
}
