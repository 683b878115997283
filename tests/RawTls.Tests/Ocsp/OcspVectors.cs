using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RawTls.Tests.Ocsp;

/// <summary>Loads the real-world OCSP vectors copied next to the tests (see Vectors/README.md).</summary>
internal static class OcspVectors
{
    /// <summary>The real GTS response (see Vectors/README.md): the staple the probe tests serve.</summary>
    public const string GtsGoodResponse = "gts-good-response.der";

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Ocsp", "Vectors", name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    public static X509Certificate2 Certificate(string name) =>
        name.EndsWith(".pem", StringComparison.Ordinal)
            ? X509Certificate2.CreateFromPem(File.ReadAllText(PathOf(name)))
            : X509CertificateLoader.LoadCertificate(Bytes(name));

    /// <summary>
    /// A stand-in leaf carrying <paramref name="serialHex"/>: only the serial and NotAfter of a leaf feed into validation,
    /// so a throwaway key can sign it under any issuer name.
    /// </summary>
    public static X509Certificate2 FakeLeaf(string serialHex, X500DistinguishedName issuerName, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=leaf.test", key, HashAlgorithmName.SHA256);
        return request.Create(issuerName, X509SignatureGenerator.CreateForECDsa(key), notAfter.AddYears(-1), notAfter, Convert.FromHexString(serialHex));
    }
}
