using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Tests.Ocsp;

namespace RawTls.Tests.Fuzz;

/// <summary>
/// Seeds and validation contexts for the OCSP fuzz targets: the real-world and OpenSSL vectors (Ocsp/Vectors) and
/// DevPki responses (ECDSA and RSA issuers; good, revoked, unknown, delegated, by name and by key). Every mutant is
/// validated in every context, so a mutant of one response that some other certificate would accept is caught too.
/// </summary>
internal sealed class OcspFuzzCorpus : IDisposable
{
    private static readonly Lazy<OcspFuzzCorpus> s_shared = new(() => new OcspFuzzCorpus());
    private static readonly DateTimeOffset s_devNow = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_opensslNow = new(2026, 11, 27, 1, 16, 55, TimeSpan.Zero);
    private static readonly DateTimeOffset s_gtsNow = new(2021, 11, 10, 0, 0, 0, TimeSpan.Zero);

    private readonly List<IDisposable> _owned = [];

    private OcspFuzzCorpus()
    {
        // Real-world vectors.
        X509Certificate2 gtsIssuer = Own(OcspVectors.Certificate("gts-issuer.pem"));
        X509Certificate2 gtsLeaf = Own(OcspVectors.FakeLeaf("F374542E3C7A68360A00000001103462", gtsIssuer.SubjectName, s_gtsNow.AddDays(60)));
        AddContext("gts", gtsLeaf, gtsIssuer, s_gtsNow);
        foreach (string name in new[] { "gts-good-response.der", "response-without-certs.der", "response-nonce-extension.der", "response-critical-extension.der", "error-malformed-request.der" })
        {
            Seeds.Add(OcspVectors.Bytes(name));
        }

        // OpenSSL-made vectors: ECDSA issuer, RSA delegated responder, RSASSA-PSS.
        X509Certificate2 opensslCa = Own(OcspVectors.Certificate(Path.Combine("openssl", "ca.pem")));
        X509Certificate2 opensslLeaf = Own(OcspVectors.Certificate(Path.Combine("openssl", "leaf.pem")));
        AddContext("openssl", opensslLeaf, opensslCa, s_opensslNow);
        foreach (string name in new[] { "r-issuer.der", "r-deleg.der", "r-deleg-keyid.der", "r-rsapss.der", "r-revoked.der", "r-noeku.der", "r-deleg-nocerts.der", "r-nonext.der" })
        {
            Seeds.Add(OcspVectors.Bytes(Path.Combine("openssl", name)));
        }

        Certificates.Add(gtsIssuer.RawData);
        Certificates.Add(opensslCa.RawData);
        Certificates.Add(opensslLeaf.RawData);
        Certificates.Add(OcspVectors.Bytes("delegated-responder-cert.der"));
        Certificates.Add(OcspVectors.Bytes("startcom-intermediate.der"));

        // DevPki: an ECDSA and an RSA hierarchy.
        foreach (DevKeyAlgorithm algorithm in new[] { DevKeyAlgorithm.EcdsaP256, DevKeyAlgorithm.Rsa2048 })
        {
            var ca = Own(DevCertificateAuthority.Create(new DevPkiOptions { KeyAlgorithm = algorithm, TimeProvider = new FakeTimeProvider(s_devNow.AddDays(-1)) }));
            X509Certificate2 responder = Own(ca.IssueOcspResponderCertificate(notBefore: s_devNow.AddDays(-1), notAfter: s_devNow.AddDays(30)));
            X509Certificate2 noEku = Own(ca.IssueOcspResponderCertificate(includeOcspSigningEku: false, notBefore: s_devNow.AddDays(-1), notAfter: s_devNow.AddDays(30)));
            AddContext(algorithm.ToString(), ca.Leaf, ca.Intermediate, s_devNow);
            OcspResponseBuilder Base() => new OcspResponseBuilder(new FakeTimeProvider(s_devNow))
                .ThisUpdate(s_devNow.AddMinutes(-10)).NextUpdate(s_devNow.AddHours(12)).ProducedAt(s_devNow.AddMinutes(-10));
            Seeds.Add(Base().ForCertificate(ca.Leaf, ca.Intermediate).Good().SignedByIssuer(ca.Intermediate).Build());
            Seeds.Add(Base().ForCertificate(ca.Leaf, ca.Intermediate, OcspHashAlgorithm.Sha256).Revoked(s_devNow.AddDays(-1), OcspRevocationReason.KeyCompromise).SignedByIssuer(ca.Intermediate).ResponderIdByName().Build());
            Seeds.Add(Base().ForCertificate(ca.Leaf, ca.Intermediate).Unknown().SignedByIssuer(ca.Intermediate).WithNonce([1, 2, 3, 4]).Build());
            Seeds.Add(Base().ForCertificate(ca.Leaf, ca.Intermediate).Good().ForSerial("42", ca.Intermediate).Good().SignedByDelegate(responder).Build());
            Seeds.Add(Base().ForCertificate(ca.Leaf, ca.Intermediate).Good().SignedByDelegate(responder).ResponderIdByName().Build());
            Seeds.Add(Base().ForCertificate(ca.Leaf, ca.Intermediate).Good().SignedByDelegate(noEku).Build());
            Certificates.Add(ca.Root.RawData);
            Certificates.Add(ca.Intermediate.RawData);
            Certificates.Add(ca.Leaf.RawData);
            Certificates.Add(responder.RawData);
            Certificates.Add(noEku.RawData);
        }
    }

    public static OcspFuzzCorpus Shared => s_shared.Value;

    public List<byte[]> Seeds { get; } = [];

    public List<byte[]> Certificates { get; } = [];

    public List<OcspFuzzContext> Contexts { get; } = [];

    private void AddContext(string name, X509Certificate2 leaf, X509Certificate2 issuer, DateTimeOffset now) =>
        Contexts.Add(new OcspFuzzContext(name, leaf, issuer, now, new OcspResponseValidator(leaf, issuer, new FakeTimeProvider(now))));

    private T Own<T>(T value)
        where T : IDisposable
    {
        _owned.Add(value);
        return value;
    }

    public void Dispose()
    {
        foreach (IDisposable d in _owned)
        {
            d.Dispose();
        }
    }
}

/// <summary>One requested certificate: the leaf, its issuer, the validator's clock.</summary>
internal sealed record OcspFuzzContext(string Name, X509Certificate2 Leaf, X509Certificate2 Issuer, DateTimeOffset Now, OcspResponseValidator Validator);
