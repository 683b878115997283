using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RawTls.Certificates;
using RawTls.DevPki;

namespace RawTls.Tests.Certificates;

/// <summary>PEM and PKCS#12 loading, and the clear errors users get for bad files.</summary>
public sealed class CertificateLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rawtls-load-").FullName;
    private readonly DevCertificateAuthority _ca = DevCertificateAuthority.Create();

    public void Dispose()
    {
        _ca.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static DateTimeOffset Now => DateTimeOffset.UtcNow;

    [Fact]
    public void Pem_files_load_with_the_issuer_found_and_the_root_kept_out_of_the_sent_chain()
    {
        var (cert, key, chain) = WritePem(_ca.Leaf, withRootInChain: true);
        CertificateBundle bundle = CertificateLoader.Load(ServerCertificateOptions.FromPemFiles(cert, key, chain), Now);

        Assert.Equal(_ca.Leaf.Thumbprint, bundle.Leaf.Thumbprint);
        Assert.True(bundle.Leaf.HasPrivateKey);
        Assert.Equal(_ca.Intermediate.Thumbprint, bundle.Issuer!.Thumbprint);
        Assert.Equal([_ca.Intermediate.Thumbprint], bundle.Intermediates.Select(c => c.Thumbprint));
        Assert.Equal(_ca.Root.Thumbprint, bundle.Root!.Thumbprint);
    }

    [Fact]
    public void A_full_chain_in_the_certificate_file_is_accepted()
    {
        string cert = Write("fullchain.pem", _ca.Leaf.ExportCertificatePem() + "\n" + _ca.Intermediate.ExportCertificatePem());
        string key = Write("leaf.key", KeyPem(_ca.Leaf));
        CertificateBundle bundle = CertificateLoader.Load(ServerCertificateOptions.FromPemFiles(cert, key), Now);
        Assert.Equal(_ca.Intermediate.Thumbprint, bundle.Issuer!.Thumbprint);
    }

    [Fact]
    public void Pfx_loads_leaf_key_and_chain()
    {
        var collection = new X509Certificate2Collection { _ca.Leaf, _ca.Intermediate };
        string pfx = Path.Combine(_dir, "server.pfx");
        File.WriteAllBytes(pfx, collection.Export(X509ContentType.Pkcs12, "secret")!);

        CertificateBundle bundle = CertificateLoader.Load(ServerCertificateOptions.FromPfxFile(pfx, "secret"), Now);
        Assert.Equal(_ca.Leaf.Thumbprint, bundle.Leaf.Thumbprint);
        Assert.True(bundle.Leaf.HasPrivateKey);
        Assert.Equal(_ca.Intermediate.Thumbprint, bundle.Issuer!.Thumbprint);

        var wrong = Assert.Throws<CertificateLoadException>(() => CertificateLoader.Load(ServerCertificateOptions.FromPfxFile(pfx, "wrong"), Now));
        Assert.StartsWith(pfx, wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Junk_certificate_names_the_file()
    {
        var (_, key, chain) = WritePem(_ca.Leaf);
        string junk = Write("junk.pem", "hello, I am not a certificate");
        var ex = Assert.Throws<CertificateLoadException>(() => CertificateLoader.Load(ServerCertificateOptions.FromPemFiles(junk, key, chain), Now));
        Assert.Equal($"{junk}: no PEM certificate found (expected '-----BEGIN CERTIFICATE-----').", ex.Message);
    }

    [Fact]
    public void Missing_key_file_names_the_file()
    {
        var (cert, _, chain) = WritePem(_ca.Leaf);
        string missing = Path.Combine(_dir, "nope.key");
        var ex = Assert.Throws<CertificateLoadException>(() => CertificateLoader.Load(ServerCertificateOptions.FromPemFiles(cert, missing, chain), Now));
        Assert.StartsWith($"{missing}: cannot read the private key file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_key_is_refused()
    {
        var (cert, _, chain) = WritePem(_ca.Leaf);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string key = Write("other.key", other.ExportPkcs8PrivateKeyPem());
        var ex = Assert.Throws<CertificateLoadException>(() => CertificateLoader.Load(ServerCertificateOptions.FromPemFiles(cert, key, chain), Now));
        Assert.Contains("does not match the certificate", ex.Message, StringComparison.Ordinal);
        Assert.StartsWith(key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expired_certificate_is_refused()
    {
        X509Certificate2 expired = _ca.IssueLeaf(new DevLeafOptions { NotBefore = Now.AddDays(-30), NotAfter = Now.AddDays(-1) });
        var (cert, key, chain) = WritePem(expired);
        var ex = Assert.Throws<CertificateLoadException>(() => CertificateLoader.Load(ServerCertificateOptions.FromPemFiles(cert, key, chain), Now));
        Assert.Contains("the certificate expired at", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chain_without_the_issuer_is_refused()
    {
        using var other = DevCertificateAuthority.Create();
        string cert = Write("leaf.pem", _ca.Leaf.ExportCertificatePem());
        string key = Write("leaf.key", KeyPem(_ca.Leaf));
        string chain = Write("chain.pem", other.Intermediate.ExportCertificatePem());
        var ex = Assert.Throws<CertificateLoadException>(() => CertificateLoader.Load(ServerCertificateOptions.FromPemFiles(cert, key, chain), Now));
        Assert.Contains("does not contain the issuer", ex.Message, StringComparison.Ordinal);
    }

    private (string Cert, string Key, string Chain) WritePem(X509Certificate2 leaf, bool withRootInChain = false)
    {
        string chain = _ca.Intermediate.ExportCertificatePem() + (withRootInChain ? "\n" + _ca.Root.ExportCertificatePem() : string.Empty);
        return (Write("leaf.pem", leaf.ExportCertificatePem()), Write("leaf.key", KeyPem(leaf)), Write("chain.pem", chain));
    }

    private static string KeyPem(X509Certificate2 cert) =>
        (AsymmetricAlgorithm?)cert.GetECDsaPrivateKey() is { } ec ? ec.ExportPkcs8PrivateKeyPem() : cert.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem();

    private string Write(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }
}
