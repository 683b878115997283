namespace RawTls.Ocsp;

/// <summary>A parsed BasicOCSPResponse (RFC 6960 §4.2.1). Memory fields slice the original response bytes.</summary>
internal sealed class OcspBasicResponse
{
    /// <summary>The exact DER of tbsResponseData, which is what the signature covers.</summary>
    public required ReadOnlyMemory<byte> TbsResponseData { get; init; }

    /// <summary>DER of the responder's Name when the responder id is byName.</summary>
    public ReadOnlyMemory<byte>? ResponderName { get; init; }

    /// <summary>SHA-1 of the responder's public key when the responder id is byKey.</summary>
    public ReadOnlyMemory<byte>? ResponderKeyHash { get; init; }

    public required DateTimeOffset ProducedAt { get; init; }

    public required IReadOnlyList<OcspSingleResponse> Responses { get; init; }

    public required IReadOnlyList<OcspExtension> Extensions { get; init; }

    /// <summary>DER of the signature AlgorithmIdentifier.</summary>
    public required ReadOnlyMemory<byte> SignatureAlgorithm { get; init; }

    public required byte[] Signature { get; init; }

    /// <summary>DER of each certificate included in the response.</summary>
    public required IReadOnlyList<ReadOnlyMemory<byte>> Certificates { get; init; }
}
