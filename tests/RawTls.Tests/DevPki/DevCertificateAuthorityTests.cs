using System.Security.Cryptography.X509Certificates;
using RawTls.DevPki;
using RawTls.Ocsp;

namespace RawTls.Tests.DevPki;

public class DevCertificateAuthorityTests
{
    private const string TlsFeatureOid = "1.3.6.1.5.5.7.1.24";

    [Fact]
    public void Create_builds_a_chain_leaf_to_intermediate_to_root()
    {
        using var ca = DevCertificateAuthority.Create();
        Assert.True(ca.Leaf.HasPrivateKey);
        Assert.Equal(ca.Intermediate.Subject, ca.Leaf.Issuer);
        Assert.Equal(ca.Root.Subject, ca.Intermediate.Issuer);
        AssertChains(ca.Leaf, ca.Intermediate, ca.Root);

        var san = ca.Leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("localhost", san.EnumerateDnsNames());
        Assert.Contains("127.0.0.1", san.EnumerateIPAddresses().Select(a => a.ToString()));
        var eku = ca.Leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Contains(eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.1");
        Assert.Null(ca.Leaf.Extensions[TlsFeatureOid]);
        Assert.Equal(OcspCertificateStatus.Good, ca.GetStatus(ca.Leaf).Kind);
        Assert.Equal(OcspCertificateStatus.Unknown, ca.GetStatus("01").Kind);
    }

    [Fact]
    public void Two_authorities_are_unrelated()
    {
        using var a = DevCertificateAuthority.Create();
        using var b = DevCertificateAuthority.Create();
        Assert.NotEqual(a.Root.Subject, b.Root.Subject);
        Assert.NotEqual(a.Root.GetPublicKey(), b.Root.GetPublicKey());
        Assert.NotEqual(a.Leaf.SerialNumber, b.Leaf.SerialNumber);
    }

    [Fact]
    public void Must_staple_and_ocsp_url_are_added_when_asked()
    {
        using var ca = DevCertificateAuthority.Create(new DevPkiOptions { MustStaple = true, OcspUrl = new Uri("http://127.0.0.1:9/") });
        X509Extension ext = ca.Leaf.Extensions[TlsFeatureOid]!;
        Assert.Equal(new byte[] { 0x30, 0x03, 0x02, 0x01, 0x05 }, ext.RawData);
        var aia = ca.Leaf.Extensions.OfType<X509AuthorityInformationAccessExtension>().Single();
        Assert.Equal(["http://127.0.0.1:9/"], aia.EnumerateOcspUris());
    }

    [Fact]
    public void Rsa_pki_works()
    {
        using var ca = DevCertificateAuthority.Create(new DevPkiOptions { KeyAlgorithm = DevKeyAlgorithm.Rsa2048 });
        Assert.NotNull(ca.Leaf.GetRSAPrivateKey());
        AssertChains(ca.Leaf, ca.Intermediate, ca.Root);
    }

    [Fact]
    public void Save_and_load_round_trip()
    {
        using var dir = new TempDir();
        string pki = dir.Combine("pki");
        using (var ca = DevCertificateAuthority.Create(pki, new DevPkiOptions { MustStaple = true, OcspUrl = new Uri("http://127.0.0.1:1234/") }))
        {
            foreach (string f in new[] { "root.pem", "root.key", "intermediate.pem", "intermediate.key", "leaf.pem", "leaf.key", "chain.pem", "state.json" })
            {
                Assert.True(File.Exists(Path.Combine(pki, f)), f);
            }

            Assert.Contains("BEGIN PRIVATE KEY", File.ReadAllText(Path.Combine(pki, "leaf.key")));
            Assert.Equal(X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(pki, "chain.pem"))).Thumbprint, ca.Intermediate.Thumbprint);
            Assert.Empty(Directory.GetFiles(pki, "*.tmp"));

            using var loaded = DevCertificateAuthority.Load(pki);
            Assert.Equal(ca.Root.Thumbprint, loaded.Root.Thumbprint);
            Assert.Equal(ca.Intermediate.Thumbprint, loaded.Intermediate.Thumbprint);
            Assert.Equal(ca.Leaf.Thumbprint, loaded.Leaf.Thumbprint);
            Assert.True(loaded.Leaf.HasPrivateKey && loaded.Intermediate.HasPrivateKey);
            Assert.True(loaded.MustStaple);
            Assert.Equal(ca.OcspUrl, loaded.OcspUrl);
            Assert.Equal(ca.IssuedSerials.Order(), loaded.IssuedSerials.Order());
        }

        Assert.Throws<DevPkiException>(() => DevCertificateAuthority.Create(pki));
        Assert.Throws<DevPkiException>(() => DevCertificateAuthority.Load(dir.Combine("missing")));
    }

    [Fact]
    public void Issue_with_wildcard_writes_files_and_records_serial()
    {
        using var dir = new TempDir();
        using var ca = DevCertificateAuthority.Create(dir.Combine("pki"));
        string outDir = dir.Combine("out");
        using X509Certificate2 leaf = ca.IssueLeaf(["*.example.test", "example.test", "::1"], outDir);

        var san = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["*.example.test", "example.test"], san.EnumerateDnsNames());
        Assert.True(File.Exists(Path.Combine(outDir, "leaf.pem")) && File.Exists(Path.Combine(outDir, "leaf.key")) && File.Exists(Path.Combine(outDir, "chain.pem")));
        using var fromDisk = X509Certificate2.CreateFromPemFile(Path.Combine(outDir, "leaf.pem"), Path.Combine(outDir, "leaf.key"));
        Assert.Equal(leaf.Thumbprint, fromDisk.Thumbprint);
        AssertChains(fromDisk, ca.Intermediate, ca.Root);

        using var loaded = DevCertificateAuthority.Load(dir.Combine("pki"));
        Assert.Equal(OcspCertificateStatus.Good, loaded.GetStatus(leaf).Kind);
    }

    [Fact]
    public void Revoke_persists_and_tolerates_serial_formats()
    {
        using var dir = new TempDir();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
        using var ca = DevCertificateAuthority.Create(dir.Path, new DevPkiOptions { TimeProvider = time });
        string serial = "000" + ca.Leaf.SerialNumber.ToLowerInvariant();
        RevocationStatus status = ca.Revoke(serial, OcspRevocationReason.KeyCompromise);
        Assert.Equal(RevocationStatus.Revoked(time.GetUtcNow(), OcspRevocationReason.KeyCompromise), status);

        using var loaded = DevCertificateAuthority.Load(dir.Path);
        Assert.Equal(status, loaded.GetStatus(ca.Leaf));
        Assert.Throws<DevPkiException>(() => loaded.Revoke("ABCDEF"));
        Assert.Throws<DevPkiException>(() => loaded.Revoke("not-hex"));
    }

    [Fact]
    public void Another_instance_sees_revocation_after_reload()
    {
        using var dir = new TempDir();
        using var writer = DevCertificateAuthority.Create(dir.Path);
        using var reader = DevCertificateAuthority.Load(dir.Path);
        Assert.False(reader.ReloadStateIfChanged());
        writer.Revoke(writer.Leaf.SerialNumber);
        Assert.True(reader.ReloadStateIfChanged());
        Assert.Equal(OcspCertificateStatus.Revoked, reader.GetStatus(writer.Leaf).Kind);
    }

    [Fact]
    public void Expired_leaf_and_responder_certificates()
    {
        using var ca = DevCertificateAuthority.Create();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 expired = ca.IssueLeaf(new DevLeafOptions { NotBefore = now.AddDays(-10), NotAfter = now.AddDays(-1) });
        Assert.True(expired.NotAfter < DateTime.Now);

        using X509Certificate2 responder = ca.IssueOcspResponderCertificate();
        var eku = responder.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Equal("1.3.6.1.5.5.7.3.9", eku.EnhancedKeyUsages[0].Value);
        Assert.Equal(ca.Intermediate.Subject, responder.Issuer);
        using X509Certificate2 noEku = ca.IssueOcspResponderCertificate(includeOcspSigningEku: false);
        Assert.Empty(noEku.Extensions.OfType<X509EnhancedKeyUsageExtension>());
    }

    [Fact]
    public void Normalize_serial()
    {
        Assert.Equal("ABC", DevCertificateAuthority.NormalizeSerial("0x00:0a:bc"));
        Assert.Equal("0", DevCertificateAuthority.NormalizeSerial("000"));
    }

    internal static void AssertChains(X509Certificate2 leaf, X509Certificate2 intermediate, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.Add(intermediate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        bool ok = chain.Build(leaf);
        Assert.True(ok, string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(3, chain.ChainElements.Count);
        Assert.Equal(root.Thumbprint, chain.ChainElements[2].Certificate.Thumbprint);
    }
}
