using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RawTls.Tests.Probe;

/// <summary>Throwaway ECDSA P-256 certificates for probe tests.</summary>
internal static class ProbeTestPki
{
    /// <summary>TLS Feature (RFC 7633), the "Must-Staple" certificate extension.</summary>
    public const string TlsFeatureOid = "1.3.6.1.5.5.7.1.24";

    /// <summary>DER of <c>Features ::= SEQUENCE OF INTEGER</c> holding status_request (5).</summary>
    public static readonly byte[] MustStapleValue = [0x30, 0x03, 0x02, 0x01, 0x05];

    /// <param name="name">Subject CN and DNS SAN.</param>
    /// <param name="tlsFeature">DER value of a TLS Feature extension to add (e.g. <see cref="MustStapleValue"/>), or null.</param>
    public static X509Certificate2 CreateSelfSigned(string name = "probe.test", byte[]? tlsFeature = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        AddServerExtensions(request, name);
        AddTlsFeature(request, tlsFeature);
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    public static X509Certificate2 CreateSelfSignedRsa(string name = "probe.test")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        AddServerExtensions(request, name);
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    /// <summary>A CA and a leaf it issued (the leaf carries its private key).</summary>
    public static (X509Certificate2 Ca, X509Certificate2 Leaf) CreateCaAndLeaf(string name = "probe.test", byte[]? tlsFeature = null)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Probe Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(
            new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest($"CN={name}", leafKey, HashAlgorithmName.SHA256);
        AddServerExtensions(leafRequest, name);
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leafRequest.CertificateExtensions.Add(
            new X509AuthorityInformationAccessExtension(["http://127.0.0.1:9/ocsp"], null));
        AddTlsFeature(leafRequest, tlsFeature);
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F;
        using var issued = leafRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1), serial);
        return (ca, issued.CopyWithPrivateKey(leafKey));
    }

    private static void AddTlsFeature(CertificateRequest request, byte[]? value)
    {
        if (value is not null)
        {
            request.CertificateExtensions.Add(new X509Extension(TlsFeatureOid, value, critical: false));
        }
    }

    private static void AddServerExtensions(CertificateRequest request, string name)
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(
            new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
    }
}
