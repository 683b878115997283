namespace RawTls.Ocsp;

/// <summary>A validated OCSP response ready to staple, with what was read from it. Immutable.</summary>
public sealed class OcspStaple
{
    private readonly byte[] _response;

    /// <summary>Creates a staple from a response that has already passed validation: only the library can vouch for that.</summary>
    internal OcspStaple(byte[] response, OcspCertificateStatus status, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, DateTimeOffset producedAt, DateTimeOffset? revocationTime, DateTimeOffset receivedAt, OcspRevocationReason? revocationReason = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        _response = response;
        Status = status;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        ProducedAt = producedAt;
        RevocationTime = revocationTime;
        RevocationReason = revocationReason;
        ReceivedAt = receivedAt;
    }

    /// <summary>The DER-encoded OCSPResponse, exactly as sent in the handshake.</summary>
    public ReadOnlyMemory<byte> Response => _response;

    /// <summary>The asserted status.</summary>
    public OcspCertificateStatus Status { get; }

    /// <summary>When the responder says the status was known to be correct.</summary>
    public DateTimeOffset ThisUpdate { get; }

    /// <summary>When the response expires (clamped to the certificate's NotAfter).</summary>
    public DateTimeOffset NextUpdate { get; }

    /// <summary>When the responder signed it.</summary>
    public DateTimeOffset ProducedAt { get; }

    /// <summary>When the certificate was revoked, if it was.</summary>
    public DateTimeOffset? RevocationTime { get; }

    /// <summary>Why the certificate was revoked (CRLReason), when the response says; null otherwise.</summary>
    public OcspRevocationReason? RevocationReason { get; }

    /// <summary>When this server received (or loaded) the response.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>The raw array; internal so the runtime adapter can hand it over without copying.</summary>
    internal byte[] ResponseArray => _response;
}
