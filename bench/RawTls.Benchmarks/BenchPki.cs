using System.Security.Cryptography.X509Certificates;
using RawTls.DevPki;

namespace RawTls.Benchmarks;

/// <summary>Development PKIs shared by the benchmarks of one process (RSA key generation is slow).</summary>
internal static class BenchPki
{
    private static readonly Lazy<DevCertificateAuthority> s_ecdsa = new(() => DevCertificateAuthority.Create(new DevPkiOptions { KeyAlgorithm = DevKeyAlgorithm.EcdsaP256 }));
    private static readonly Lazy<DevCertificateAuthority> s_rsa = new(() => DevCertificateAuthority.Create(new DevPkiOptions { KeyAlgorithm = DevKeyAlgorithm.Rsa2048 }));

    public static DevCertificateAuthority Get(KeyKind key) => key == KeyKind.EcdsaP256 ? s_ecdsa.Value : s_rsa.Value;

    public static X509Certificate2Collection Chain(DevCertificateAuthority ca) => [ca.Intermediate];
}

/// <summary>The server key type.</summary>
public enum KeyKind
{
    EcdsaP256,
    Rsa2048,
}
