namespace RawTls.Certificates;

/// <summary>Where a <see cref="ServerCertificateOptions"/> reads its certificate from.</summary>
internal enum CertificateSourceKind
{
    PemFiles,
    PfxFile,
    InMemory,
}
