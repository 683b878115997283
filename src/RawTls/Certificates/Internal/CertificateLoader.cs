using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RawTls.Certificates;

/// <summary>Reads PEM and PKCS#12 certificates and checks them before anything is served with them.</summary>
internal static class CertificateLoader
{
    /// <summary>Loads and checks <paramref name="options"/>; file sources are read from <paramref name="files"/> when given.</summary>
    public static CertificateBundle Load(ServerCertificateOptions options, DateTimeOffset now, CertificateFiles? files = null)
    {
        if (options.Kind != CertificateSourceKind.InMemory)
        {
            files ??= CertificateFiles.Read(options);
        }

        (X509Certificate2 leaf, List<X509Certificate2> others) = options.Kind switch
        {
            CertificateSourceKind.PemFiles => LoadPem(files!, options.CertificatePath!, options.KeyPath!, options.ChainPath),
            CertificateSourceKind.PfxFile => LoadPfx(files!, options.PfxPath!, options.PfxPassword),
            _ => (options.Certificate!, options.Chain is null ? [] : [.. options.Chain]),
        };

        string what = options.ToString();
        if (now < leaf.NotBefore.ToUniversalTime())
        {
            throw new CertificateLoadException($"{what}: the certificate is not valid before {leaf.NotBefore.ToUniversalTime():u}.");
        }

        if (now > leaf.NotAfter.ToUniversalTime())
        {
            throw new CertificateLoadException($"{what}: the certificate expired at {leaf.NotAfter.ToUniversalTime():u}.");
        }

        // A chain problem is named after the chain file when there is one: that is the file to fix.
        return Assemble(leaf, others, options.ChainPath ?? what);
    }

    /// <summary>Orders the chain leaf → issuer → ..., drops self-signed roots and finds the leaf's issuer.</summary>
    internal static CertificateBundle Assemble(X509Certificate2 leaf, List<X509Certificate2> others, string what)
    {
        var ordered = new List<X509Certificate2>();
        X509Certificate2? issuer = null;
        X509Certificate2? root = null;
        X509Certificate2 current = leaf;
        var pool = new List<X509Certificate2>(others);
        while (true)
        {
            X509Certificate2? next = pool.Find(c => c.SubjectName.RawData.AsSpan().SequenceEqual(current.IssuerName.RawData));
            if (next is null)
            {
                break;
            }

            pool.Remove(next);
            if (!IsSignedBy(current, next))
            {
                throw new CertificateLoadException($"{what}: '{next.Subject}' has the issuer's name but did not sign '{current.Subject}'.");
            }

            if (ReferenceEquals(current, leaf))
            {
                issuer = next;
            }

            if (IsSelfSigned(next))
            {
                root = next;
                break; // a root: clients have it already, it is never sent
            }

            ordered.Add(next);
            current = next;
        }

        if (issuer is null && others.Count > 0)
        {
            throw new CertificateLoadException($"{what}: the chain does not contain the issuer of '{leaf.Subject}' ('{leaf.Issuer}').");
        }

        return new CertificateBundle(leaf, [.. ordered], issuer, root);
    }

    internal static bool IsSelfSigned(X509Certificate2 cert) =>
        cert.SubjectName.RawData.AsSpan().SequenceEqual(cert.IssuerName.RawData) && IsSignedBy(cert, cert);

    internal static bool IsSignedBy(X509Certificate2 cert, X509Certificate2 issuer)
    {
        try
        {
            var parser = new Org.BouncyCastle.X509.X509CertificateParser();
            var bcCert = parser.ReadCertificate(cert.RawData);
            var bcIssuer = parser.ReadCertificate(issuer.RawData);
            bcCert.Verify(bcIssuer.GetPublicKey());
            return true;
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Security.GeneralSecurityException or Org.BouncyCastle.Security.InvalidKeyException
            or Org.BouncyCastle.Security.SecurityUtilityException or Org.BouncyCastle.Crypto.CryptoException or InvalidOperationException or IOException
            or CryptographicException or ArgumentException)
        {
            // Includes an issuer key that does not decode or of an algorithm nobody knows: it signed nothing we can check.
            return false;
        }
    }

    private static (X509Certificate2, List<X509Certificate2>) LoadPem(CertificateFiles files, string certPath, string keyPath, string? chainPath)
    {
        string certPem = files.Text(certPath);
        string keyPem = files.Text(keyPath);
        var certs = ParsePemCertificates(certPem, certPath);
        if (certs.Count == 0)
        {
            throw new CertificateLoadException($"{certPath}: no PEM certificate found (expected '-----BEGIN CERTIFICATE-----').");
        }

        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new CertificateLoadException($"{keyPath}: the private key could not be read or does not match the certificate in {certPath} ({ex.Message})", ex);
        }

        certs[0].Dispose();
        certs.RemoveAt(0);
        if (chainPath is not null)
        {
            var chain = ParsePemCertificates(files.Text(chainPath), chainPath);
            if (chain.Count == 0)
            {
                throw new CertificateLoadException($"{chainPath}: no PEM certificate found in the chain file.");
            }

            certs.AddRange(chain);
        }

        return (leaf, certs);
    }

    private static (X509Certificate2, List<X509Certificate2>) LoadPfx(CertificateFiles files, string path, string? password)
    {
        X509Certificate2Collection all;
        try
        {
            all = X509CertificateLoader.LoadPkcs12Collection(files.Bytes(path), password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException ex)
        {
            throw new CertificateLoadException($"{path}: not a readable PKCS#12 file ({ex.Message})", ex);
        }

        X509Certificate2? leaf = null;
        var others = new List<X509Certificate2>();
        foreach (var c in all)
        {
            if (leaf is null && c.HasPrivateKey)
            {
                leaf = c;
            }
            else
            {
                others.Add(c);
            }
        }

        return leaf is null
            ? throw new CertificateLoadException($"{path}: the PKCS#12 file holds no certificate with a private key.")
            : (leaf, others);
    }

    private static List<X509Certificate2> ParsePemCertificates(string pem, string path)
    {
        var list = new List<X509Certificate2>();
        ReadOnlySpan<char> rest = pem;
        while (PemEncoding.TryFind(rest, out PemFields fields))
        {
            if (rest[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                try
                {
                    list.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(rest[fields.Base64Data].ToString())));
                }
                catch (Exception ex) when (ex is CryptographicException or FormatException)
                {
                    throw new CertificateLoadException($"{path}: a PEM certificate block is malformed ({ex.Message})", ex);
                }
            }

            rest = rest[fields.Location.End..];
        }

        return list;
    }
}
