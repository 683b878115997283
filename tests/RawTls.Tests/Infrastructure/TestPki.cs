using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RawTls.DevPki;

namespace RawTls.Tests.Infrastructure;

/// <summary>
/// The one place test certificates come from. A CA and the leaves it issues come from the development PKI
/// (<see cref="DevCertificateAuthority"/>, the same one the OCSP responder answers for); a throwaway self-signed
/// certificate serves tests that need no issuer at all.
/// </summary>
internal static class TestPki
{
    /// <summary>TLS Feature (RFC 7633), the "Must-Staple" certificate extension.</summary>
    public const string TlsFeatureOid = "1.3.6.1.5.5.7.1.24";

    /// <summary>DER of <c>Features ::= SEQUENCE OF INTEGER</c> holding status_request (5).</summary>
    public static readonly byte[] MustStapleValue = [0x30, 0x03, 0x02, 0x01, 0x05];

    /// <summary>A development CA (root, intermediate, and a leaf for localhost with its key), in memory.</summary>
    public static DevCertificateAuthority Ca(bool mustStaple = false) =>
        DevCertificateAuthority.Create(new DevPkiOptions { MustStaple = mustStaple });

    /// <summary>Self-signed ECDSA P-256 for <paramref name="dnsNames"/> (the first is the subject; default localhost), server and client auth.</summary>
    public static X509Certificate2 SelfSigned(params string[] dnsNames) => SelfSigned(dnsNames, tlsFeature: null, rsa: false);

    /// <summary>Self-signed for localhost with a TLS Feature extension of <paramref name="tlsFeature"/> (e.g. <see cref="MustStapleValue"/>).</summary>
    public static X509Certificate2 SelfSignedWithTlsFeature(byte[] tlsFeature) => SelfSigned([], tlsFeature, rsa: false);

    /// <summary>Self-signed RSA 2048 for localhost.</summary>
    public static X509Certificate2 SelfSignedRsa() => SelfSigned([], tlsFeature: null, rsa: true);

    private static X509Certificate2 SelfSigned(string[] dnsNames, byte[]? tlsFeature, bool rsa)
    {
        if (dnsNames.Length == 0)
        {
            dnsNames = ["localhost"];
        }

        using AsymmetricAlgorithm key = rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = key is RSA rsaKey
            ? new CertificateRequest($"CN={dnsNames[0]}", rsaKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest($"CN={dnsNames[0]}", (ECDsa)key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (string name in dnsNames)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false)); // server and client auth
        if (tlsFeature is not null)
        {
            request.CertificateExtensions.Add(new X509Extension(TlsFeatureOid, tlsFeature, critical: false));
        }

        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}
