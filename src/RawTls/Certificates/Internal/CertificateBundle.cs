using System.Security.Cryptography.X509Certificates;

namespace RawTls.Certificates;

/// <summary>A loaded and checked certificate: the leaf with its key, the intermediates, and the leaf's issuer.</summary>
internal sealed class CertificateBundle(X509Certificate2 leaf, X509Certificate2[] intermediates, X509Certificate2? issuer, X509Certificate2? root = null)
{
    public X509Certificate2 Leaf { get; } = leaf;

    /// <summary>Intermediates in the order they are sent (issuer of the leaf first); never the root.</summary>
    public X509Certificate2[] Intermediates { get; } = intermediates;

    /// <summary>The certificate that signed the leaf, when it was given (needed for OCSP).</summary>
    public X509Certificate2? Issuer { get; } = issuer;

    /// <summary>The self-signed root, when the files included it (never sent; the runtime's own OCSP fetching needs it).</summary>
    public X509Certificate2? Root { get; } = root;
}
