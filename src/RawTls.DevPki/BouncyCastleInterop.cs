using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace RawTls.DevPki;

/// <summary>Converts .NET certificates and keys to their BouncyCastle forms.</summary>
public static class BouncyCastleInterop
{
    /// <summary>The BouncyCastle form of <paramref name="certificate"/>.</summary>
    public static BcCertificate ToBouncyCastle(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return new X509CertificateParser().ReadCertificate(certificate.RawData);
    }

    /// <summary>The BouncyCastle private key of a certificate that has one.</summary>
    public static AsymmetricKeyParameter PrivateKeyOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey()
            ?? certificate.GetRSAPrivateKey()
            ?? throw new ArgumentException("certificate has no ECDSA or RSA private key", nameof(certificate));
        using (key)
        {
            return ToBouncyCastle(key);
        }
    }

    /// <summary>The BouncyCastle form of an ECDSA or RSA private key.</summary>
    public static AsymmetricKeyParameter ToBouncyCastle(AsymmetricAlgorithm privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        return PrivateKeyFactory.CreateKey(privateKey.ExportPkcs8PrivateKey());
    }

    /// <summary>The BouncyCastle public key of a certificate.</summary>
    public static AsymmetricKeyParameter PublicKeyOf(X509Certificate2 certificate) => ToBouncyCastle(certificate).GetPublicKey();

    /// <summary>SHA-256 signature algorithm name matching a BouncyCastle private key.</summary>
    internal static string SignatureAlgorithmFor(AsymmetricKeyParameter privateKey) => privateKey switch
    {
        ECPrivateKeyParameters => "SHA256WITHECDSA",
        RsaKeyParameters => "SHA256WITHRSA",
        _ => throw new ArgumentException($"unsupported key type {privateKey.GetType().Name}", nameof(privateKey)),
    };
}
