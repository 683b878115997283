using RawTls.Ocsp;
using RawTls.Stapling;

namespace RawTls.Hosting;

/// <summary>One certificate from files: PEM (<see cref="CertificatePath"/> + <see cref="KeyPath"/>) or PKCS#12 (<see cref="PfxPath"/>).</summary>
public sealed class RawTlsCertificateOptions
{
    /// <summary>PEM certificate file (leaf first; further certificates are treated as chain).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key of <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>Optional PEM file with the intermediates.</summary>
    public string? ChainPath { get; set; }

    /// <summary>PKCS#12 file with leaf, key and chain (instead of the PEM files).</summary>
    public string? PfxPath { get; set; }

    /// <summary>Password of <see cref="PfxPath"/>.</summary>
    public string? PfxPassword { get; set; }

    /// <summary>Server names this certificate answers (exact or <c>*.</c> wildcard). Unset: its subject alternative names.</summary>
    public IList<string> HostNames { get; } = new List<string>();

    /// <summary>Stapling mode of this certificate. Unset: <see cref="StaplingOptions.Mode"/>.</summary>
    public StaplingMode? Stapling { get; set; }

    /// <summary>OCSP responder to ask instead of the certificate's AIA URL (absolute http or https).</summary>
    public Uri? OcspResponderUrl { get; set; }

    /// <summary>Watch the files and reload on change. Default true.</summary>
    public bool? Watch { get; set; }
}
