using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace RawTls.Tests.Reload;

/// <summary>One certificate's leaf.pem / leaf.key / chain.pem, rewritten the ways real tools do it.</summary>
internal sealed class LeafFiles(string directory)
{
    public string Directory { get; } = directory;

    public string CertPath => Path.Combine(Directory, "leaf.pem");

    public string KeyPath => Path.Combine(Directory, "leaf.key");

    public string ChainPath => Path.Combine(Directory, "chain.pem");

    public static string KeyPem(X509Certificate2 leaf) =>
        (leaf.GetECDsaPrivateKey() as AsymmetricAlgorithm ?? leaf.GetRSAPrivateKey())!.ExportPkcs8PrivateKeyPem() + "\n";

    public static string CertPem(X509Certificate2 cert) => cert.ExportCertificatePem() + "\n";

    /// <summary>Writes the three files directly (each truncated and rewritten), key first.</summary>
    public void Write(X509Certificate2 leaf, X509Certificate2 issuer)
    {
        File.WriteAllText(KeyPath, KeyPem(leaf));
        File.WriteAllText(CertPath, CertPem(leaf));
        File.WriteAllText(ChainPath, CertPem(issuer));
    }

    /// <summary>Key first, then the certificate, then the chain, with short pauses: the set is inconsistent in between.</summary>
    public async Task WriteKeyFirstThenCertAsync(X509Certificate2 leaf, X509Certificate2 issuer)
    {
        await File.WriteAllTextAsync(KeyPath, KeyPem(leaf));
        await Task.Delay(30);
        await File.WriteAllTextAsync(CertPath, CertPem(leaf));
        await Task.Delay(30);
        await File.WriteAllTextAsync(ChainPath, CertPem(issuer));
    }

    /// <summary>Each file truncated to empty first, then written in two halves with pauses (what a naive editor save looks like).</summary>
    public async Task WriteTruncateThenWriteAsync(X509Certificate2 leaf, X509Certificate2 issuer)
    {
        foreach (var (path, text) in new[] { (KeyPath, KeyPem(leaf)), (CertPath, CertPem(leaf)), (ChainPath, CertPem(issuer)) })
        {
            byte[] bytes = Encoding.ASCII.GetBytes(text);
            await using var fs = new FileStream(path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite);
            await fs.FlushAsync();
            await Task.Delay(15);
            await fs.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await fs.FlushAsync();
            await Task.Delay(15);
            await fs.WriteAsync(bytes.AsMemory(bytes.Length / 2));
        }
    }

    /// <summary>Each file written to a temporary name beside it and renamed over the old one, key first.</summary>
    public async Task WriteRenameOverAsync(X509Certificate2 leaf, X509Certificate2 issuer)
    {
        foreach (var (path, text) in new[] { (KeyPath, KeyPem(leaf)), (CertPath, CertPem(leaf)), (ChainPath, CertPem(issuer)) })
        {
            string tmp = path + ".tmp";
            await File.WriteAllTextAsync(tmp, text);
            File.Move(tmp, path, overwrite: true);
            await Task.Delay(20);
        }
    }
}
