using System.Security.Cryptography;

namespace RawTls.Ocsp;

/// <summary>Maps the CertID hash algorithms OCSP responders use between OIDs and <see cref="HashAlgorithmName"/>.</summary>
internal static class OcspHashAlgorithms
{
    public static bool TryGetOid(HashAlgorithmName name, out string oid)
    {
        oid = name.Name switch
        {
            "SHA1" => OcspOids.Sha1,
            "SHA256" => OcspOids.Sha256,
            "SHA384" => OcspOids.Sha384,
            "SHA512" => OcspOids.Sha512,
            _ => string.Empty,
        };
        return oid.Length != 0;
    }

    public static bool TryGetName(string oid, out HashAlgorithmName name)
    {
        name = oid switch
        {
            OcspOids.Sha1 => HashAlgorithmName.SHA1,
            OcspOids.Sha256 => HashAlgorithmName.SHA256,
            OcspOids.Sha384 => HashAlgorithmName.SHA384,
            OcspOids.Sha512 => HashAlgorithmName.SHA512,
            _ => default,
        };
        return name.Name is not null;
    }

    public static byte[] Hash(HashAlgorithmName name, ReadOnlySpan<byte> data) => name.Name switch
    {
#pragma warning disable CA5350 // SHA-1 is what the OCSP CertID profile (RFC 5019) mandates; it identifies, it does not sign.
        "SHA1" => SHA1.HashData(data),
#pragma warning restore CA5350
        "SHA256" => SHA256.HashData(data),
        "SHA384" => SHA384.HashData(data),
        "SHA512" => SHA512.HashData(data),
        _ => throw new CryptographicException($"Unsupported OCSP hash algorithm '{name.Name}'."),
    };
}
