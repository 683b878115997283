using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RawTls.Ocsp;

/// <summary>
/// An OCSP CertID (RFC 6960 §4.1.1): the hash of the issuer's name and key plus the leaf's serial number.
/// Compute it once per leaf and reuse it for every request and response check.
/// </summary>
internal sealed class OcspCertId : IEquatable<OcspCertId>
{
    private readonly byte[] _issuerNameHash;
    private readonly byte[] _issuerKeyHash;
    private readonly byte[] _serialNumber;

    private OcspCertId(HashAlgorithmName hashAlgorithm, byte[] issuerNameHash, byte[] issuerKeyHash, byte[] serialNumber)
    {
        HashAlgorithm = hashAlgorithm;
        _issuerNameHash = issuerNameHash;
        _issuerKeyHash = issuerKeyHash;
        _serialNumber = serialNumber;
    }

    /// <summary>The hash algorithm used for the issuer name and key hashes.</summary>
    public HashAlgorithmName HashAlgorithm { get; }

    /// <summary>Hash of the DER-encoded issuer distinguished name.</summary>
    public ReadOnlyMemory<byte> IssuerNameHash => _issuerNameHash;

    /// <summary>Hash of the issuer's subjectPublicKey bits (without tag, length or unused-bits octet).</summary>
    public ReadOnlyMemory<byte> IssuerKeyHash => _issuerKeyHash;

    /// <summary>The leaf's serial number as encoded in its certificate (big-endian two's complement).</summary>
    public ReadOnlyMemory<byte> SerialNumber => _serialNumber;

    /// <summary>Computes the CertID of <paramref name="leaf"/> issued by <paramref name="issuer"/>.</summary>
    /// <param name="leaf">The certificate whose status is asked for.</param>
    /// <param name="issuer">The certificate that issued <paramref name="leaf"/>.</param>
    /// <param name="hashAlgorithm">SHA-1 (the default, what RFC 5019 responders expect), SHA-256, SHA-384 or SHA-512.</param>
    public static OcspCertId Create(X509Certificate2 leaf, X509Certificate2 issuer, HashAlgorithmName hashAlgorithm = default)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(issuer);
        return Create(issuer, leaf.SerialNumberBytes.Span, hashAlgorithm);
    }

    /// <summary>Computes the CertID for serial number <paramref name="serialNumber"/> issued by <paramref name="issuer"/>.</summary>
    /// <param name="issuer">The issuing certificate.</param>
    /// <param name="serialNumber">The big-endian two's complement serial number, as encoded in the certificate.</param>
    /// <param name="hashAlgorithm">SHA-1 (the default), SHA-256, SHA-384 or SHA-512.</param>
    public static OcspCertId Create(X509Certificate2 issuer, ReadOnlySpan<byte> serialNumber, HashAlgorithmName hashAlgorithm = default)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        if (hashAlgorithm.Name is null)
        {
            hashAlgorithm = HashAlgorithmName.SHA1;
        }

        if (!OcspHashAlgorithms.TryGetOid(hashAlgorithm, out _))
        {
            throw new ArgumentOutOfRangeException(nameof(hashAlgorithm), hashAlgorithm.Name, "Only SHA-1, SHA-256, SHA-384 and SHA-512 are supported.");
        }

        if (serialNumber.IsEmpty)
        {
            throw new ArgumentException("The serial number is empty.", nameof(serialNumber));
        }

        return Create(issuer.SubjectName.RawData, issuer.PublicKey.EncodedKeyValue.RawData, serialNumber, hashAlgorithm);
    }

    /// <summary>Computes a CertID from the issuer's DER subject name and subjectPublicKey bits.</summary>
    internal static OcspCertId Create(ReadOnlySpan<byte> issuerSubject, ReadOnlySpan<byte> issuerPublicKey, ReadOnlySpan<byte> serialNumber, HashAlgorithmName hashAlgorithm) =>
        new(
            hashAlgorithm,
            OcspHashAlgorithms.Hash(hashAlgorithm, issuerSubject),
            OcspHashAlgorithms.Hash(hashAlgorithm, issuerPublicKey),
            serialNumber.ToArray());

    /// <summary>Returns the DER encoding of this CertID.</summary>
    public byte[] Encode()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        WriteTo(writer);
        return writer.Encode();
    }

    internal void WriteTo(AsnWriter writer)
    {
        OcspHashAlgorithms.TryGetOid(HashAlgorithm, out string oid);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(oid);
                // Responders commonly compare the algorithm identifier byte for byte; explicit NULL is what they send.
                writer.WriteNull();
            }

            writer.WriteOctetString(_issuerNameHash);
            writer.WriteOctetString(_issuerKeyHash);
            writer.WriteInteger(_serialNumber);
        }
    }

    /// <summary>Whether the given raw CertID fields equal this CertID.</summary>
    internal bool Matches(ReadOnlySpan<byte> issuerNameHash, ReadOnlySpan<byte> issuerKeyHash, ReadOnlySpan<byte> serialNumber) =>
        issuerNameHash.SequenceEqual(_issuerNameHash)
        && issuerKeyHash.SequenceEqual(_issuerKeyHash)
        && serialNumber.SequenceEqual(_serialNumber);

    /// <inheritdoc />
    public bool Equals(OcspCertId? other) =>
        other is not null
        && HashAlgorithm == other.HashAlgorithm
        && Matches(other._issuerNameHash, other._issuerKeyHash, other._serialNumber);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as OcspCertId);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(HashAlgorithm);
        hash.AddBytes(_issuerKeyHash);
        hash.AddBytes(_serialNumber);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{HashAlgorithm.Name} name={Convert.ToHexString(_issuerNameHash)} key={Convert.ToHexString(_issuerKeyHash)} serial={Convert.ToHexString(_serialNumber)}";
}
