namespace RawTls.Ocsp;

/// <summary>A parsed SingleResponse (RFC 6960 §4.2.1).</summary>
internal sealed class OcspSingleResponse
{
    public required string HashAlgorithmOid { get; init; }

    public required ReadOnlyMemory<byte> IssuerNameHash { get; init; }

    public required ReadOnlyMemory<byte> IssuerKeyHash { get; init; }

    public required ReadOnlyMemory<byte> SerialNumber { get; init; }

    public required OcspCertificateStatus Status { get; init; }

    public DateTimeOffset? RevocationTime { get; init; }

    public OcspRevocationReason? RevocationReason { get; init; }

    public required DateTimeOffset ThisUpdate { get; init; }

    public DateTimeOffset? NextUpdate { get; init; }

    public required IReadOnlyList<OcspExtension> Extensions { get; init; }
}
