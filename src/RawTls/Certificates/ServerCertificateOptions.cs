using System.Security.Cryptography.X509Certificates;
using RawTls.Ocsp;
using RawTls.Stapling;

namespace RawTls.Certificates;

/// <summary>One certificate to serve: where it comes from and how it is stapled.</summary>
public sealed class ServerCertificateOptions
{
    private ServerCertificateOptions(CertificateSourceKind kind)
    {
        Kind = kind;
    }

    internal CertificateSourceKind Kind { get; }

    /// <summary>PEM certificate file (leaf first; further certificates in it are treated as chain).</summary>
    public string? CertificatePath { get; private init; }

    /// <summary>PEM private key file (PKCS#8, PKCS#1 or SEC1).</summary>
    public string? KeyPath { get; private init; }

    /// <summary>Optional PEM file with the intermediate certificates.</summary>
    public string? ChainPath { get; private init; }

    /// <summary>PKCS#12 file.</summary>
    public string? PfxPath { get; private init; }

    /// <summary>Password of <see cref="PfxPath"/>.</summary>
    public string? PfxPassword { get; private init; }

    /// <summary>An in-memory leaf with its private key.</summary>
    public X509Certificate2? Certificate { get; private init; }

    /// <summary>In-memory intermediates for <see cref="Certificate"/>.</summary>
    public X509Certificate2Collection? Chain { get; private init; }

    /// <summary>Server names this certificate answers (exact or <c>*.</c> wildcard). Null: the names in its subject alternative names.</summary>
    public IList<string>? HostNames { get; set; }

    /// <summary>Stapling mode for this certificate. Null: <see cref="StaplingOptions.Mode"/>.</summary>
    public StaplingMode? Stapling { get; set; }

    /// <summary>OCSP responder to ask instead of the certificate's AIA URL.</summary>
    public Uri? OcspResponderUrl { get; set; }

    /// <summary>
    /// Watch the files and reload on change (debounced; the new set is swapped in only once it loads and passes
    /// every check). Default true for file sources; in-memory certificates are never watched.
    /// </summary>
    public bool Watch { get; set; }

    /// <summary>The files this certificate is read from, in a fixed order (empty for in-memory certificates).</summary>
    internal string[] Files => Kind switch
    {
        CertificateSourceKind.PemFiles => ChainPath is null ? [CertificatePath!, KeyPath!] : [CertificatePath!, KeyPath!, ChainPath],
        CertificateSourceKind.PfxFile => [PfxPath!],
        _ => [],
    };

    /// <summary>A certificate from PEM files.</summary>
    public static ServerCertificateOptions FromPemFiles(string certificatePath, string keyPath, string? chainPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificatePath);
        ArgumentException.ThrowIfNullOrEmpty(keyPath);
        return new(CertificateSourceKind.PemFiles) { CertificatePath = certificatePath, KeyPath = keyPath, ChainPath = chainPath, Watch = true };
    }

    /// <summary>A certificate from a PKCS#12 (PFX) file holding the leaf, its key and the chain.</summary>
    public static ServerCertificateOptions FromPfxFile(string path, string? password = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new(CertificateSourceKind.PfxFile) { PfxPath = path, PfxPassword = password, Watch = true };
    }

    /// <summary>An in-memory certificate with its private key, and its intermediates.</summary>
    public static ServerCertificateOptions FromCertificate(X509Certificate2 certificate, X509Certificate2Collection? chain = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException("The certificate has no private key.", nameof(certificate));
        }

        return new(CertificateSourceKind.InMemory) { Certificate = certificate, Chain = chain };
    }

    /// <summary>A copy a running set reads: later changes to this instance do not reach it.</summary>
    internal ServerCertificateOptions Snapshot()
    {
        var copy = (ServerCertificateOptions)MemberwiseClone();
        copy.HostNames = HostNames is null ? null : [.. HostNames];
        return copy;
    }

    /// <summary>A short description for logs: the file or the subject.</summary>
    public override string ToString() => Kind switch
    {
        CertificateSourceKind.PemFiles => CertificatePath!,
        CertificateSourceKind.PfxFile => PfxPath!,
        _ => Certificate!.Subject,
    };
}
