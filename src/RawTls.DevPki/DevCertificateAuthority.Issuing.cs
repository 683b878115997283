using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace RawTls.DevPki;

/// <summary>Building, signing and loading certificates and keys.</summary>
public sealed partial class DevCertificateAuthority
{
    private X509Certificate2 SignAndRecord(CertificateRequest req, AsymmetricAlgorithm key, DateTimeOffset notBefore, DateTimeOffset notAfter, string kind, IReadOnlyList<string> names)
    {
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Intermediate, true, false));
        using AsymmetricAlgorithm issuerKey = PrivateKey(Intermediate);
        byte[] serial = NewSerial();

        // The generator overload skips .NET's "within issuer validity" check, which expired-leaf tests need to bypass.
        using X509Certificate2 cert = req.Create(Intermediate.SubjectName, SignatureGenerator(issuerKey), notBefore, notAfter, serial);
        X509Certificate2 withKey = CopyWithKey(cert, key);
        lock (_lock)
        {
            ReloadStateIfChangedLocked();
            var entry = EntryFor(withKey, kind);
            entry.Names = [.. names];
            _entries[entry.Serial] = entry;
            SaveStateLocked();
        }

        return withKey;
    }

    private static X509Certificate2 CreateCa(string subject, AsymmetricAlgorithm key, X509Certificate2? issuer, AsymmetricAlgorithm? issuerKey, DateTimeOffset notBefore, DateTimeOffset notAfter, int pathLength)
    {
        CertificateRequest req = NewRequest(subject, key);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, pathLength, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        var ski = new X509SubjectKeyIdentifierExtension(req.PublicKey, false);
        req.CertificateExtensions.Add(ski);
        X500DistinguishedName issuerName = issuer?.SubjectName ?? req.SubjectName;
        req.CertificateExtensions.Add(issuer is null
            ? X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski)
            : X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using X509Certificate2 cert = req.Create(issuerName, SignatureGenerator(issuerKey ?? key), notBefore, notAfter, NewSerial());
        return CopyWithKey(cert, key);
    }

    private static CertificateRequest NewRequest(string subject, AsymmetricAlgorithm key)
    {
        CertificateRequest req = key switch
        {
            ECDsa ec => new CertificateRequest(subject, ec, HashAlgorithmName.SHA256),
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentException("unsupported key", nameof(key)),
        };
        return req;
    }

    private static X509SignatureGenerator SignatureGenerator(AsymmetricAlgorithm key) => key switch
    {
        ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        _ => throw new ArgumentException("unsupported key", nameof(key)),
    };

    private static AsymmetricAlgorithm NewKey(DevKeyAlgorithm algorithm) => algorithm switch
    {
        DevKeyAlgorithm.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        DevKeyAlgorithm.Rsa2048 => RSA.Create(2048),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    private static AsymmetricAlgorithm PrivateKey(X509Certificate2 cert) =>
        (AsymmetricAlgorithm?)cert.GetECDsaPrivateKey() ?? cert.GetRSAPrivateKey() ?? throw new InvalidOperationException($"{cert.Subject} has no private key");

    private static X509Certificate2 CopyWithKey(X509Certificate2 cert, AsymmetricAlgorithm key) => key switch
    {
        ECDsa ec => cert.CopyWithPrivateKey(ec),
        RSA rsa => cert.CopyWithPrivateKey(rsa),
        _ => throw new ArgumentException("unsupported key", nameof(key)),
    };

    private static string ExportKeyPem(X509Certificate2 cert)
    {
        using AsymmetricAlgorithm key = PrivateKey(cert);
        return key.ExportPkcs8PrivateKeyPem() + "\n";
    }

    private static byte[] NewSerial()
    {
        // 16 random bytes, positive and without a leading zero byte so the DER INTEGER keeps all 16 bytes.
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        return serial;
    }

    private static X509Extension BuildSan(IReadOnlyList<string> names)
    {
        var san = new SubjectAlternativeNameBuilder();
        foreach (string name in names)
        {
            if (IPAddress.TryParse(name, out IPAddress? ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                string host = name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name;
                if (Uri.CheckHostName(host) != UriHostNameType.Dns)
                {
                    throw new DevPkiException($"'{name}' is not a DNS name or IP address");
                }

                san.AddDnsName(name);
            }
        }

        return san.Build(critical: false);
    }

    private static string EscapeDn(string value) =>
        value.IndexOfAny([',', '+', '"', '\\', '<', '>', ';', '=']) >= 0 ? "\"" + value.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"" : value;

    private static X509Certificate2 LoadPair(string directory, string certFile, string keyFile)
    {
        string certPath = Path.Combine(directory, certFile);
        string keyPath = Path.Combine(directory, keyFile);
        try
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(certPath), File.ReadAllText(keyPath));
        }
        catch (FileNotFoundException ex)
        {
            throw new DevPkiException($"'{directory}' is not a complete PKI: {Path.GetFileName(ex.FileName)} is missing", ex);
        }
        catch (CryptographicException ex)
        {
            throw new DevPkiException($"cannot read {certPath} / {keyPath}: {ex.Message}", ex);
        }
    }
}
