namespace RawTls.Ocsp;

/// <summary>The result of <see cref="OcspResponseValidator.Validate"/>.</summary>
internal sealed class OcspValidationResult
{
    internal OcspValidationResult(OcspVerdict verdict, OcspRejectReason rejectReason, string message, ReadOnlyMemory<byte> rawResponse)
    {
        Verdict = verdict;
        RejectReason = rejectReason;
        Message = message;
        RawResponse = rawResponse;
    }

    /// <summary>Good, Revoked, Unknown, or Rejected.</summary>
    public OcspVerdict Verdict { get; }

    /// <summary>Why the response was rejected; <see cref="OcspRejectReason.None"/> unless <see cref="Verdict"/> is Rejected.</summary>
    public OcspRejectReason RejectReason { get; }

    /// <summary>A human-readable explanation, suitable for logs.</summary>
    public string Message { get; }

    /// <summary>Whether the response is authentic, current and about our certificate (Good, Revoked or Unknown).</summary>
    public bool IsAccepted => Verdict != OcspVerdict.Rejected;

    /// <summary>The response bytes as given to the validator.</summary>
    public ReadOnlyMemory<byte> RawResponse { get; }

    /// <summary>producedAt, when the response got that far in parsing.</summary>
    public DateTimeOffset? ProducedAt { get; internal init; }

    /// <summary>thisUpdate of our single response.</summary>
    public DateTimeOffset? ThisUpdate { get; internal init; }

    /// <summary>nextUpdate of our single response, clamped to the leaf's NotAfter.</summary>
    public DateTimeOffset? NextUpdate { get; internal init; }

    /// <summary>Whether <see cref="NextUpdate"/> was lowered to the leaf's NotAfter.</summary>
    public bool IsNextUpdateClamped { get; internal init; }

    /// <summary>Revocation time when <see cref="Verdict"/> is Revoked.</summary>
    public DateTimeOffset? RevocationTime { get; internal init; }

    /// <summary>Revocation reason when the revoked status carries one.</summary>
    public OcspRevocationReason? RevocationReason { get; internal init; }

    /// <summary>The responder's distinguished name when identified by name.</summary>
    public string? ResponderName { get; internal init; }

    /// <summary>Upper-case hex SHA-1 of the responder's public key when identified by key hash.</summary>
    public string? ResponderKeyHash { get; internal init; }

    /// <summary>The responder id: its name, or its key hash in hex.</summary>
    public string? ResponderId => ResponderName ?? ResponderKeyHash;

    /// <summary>Whether thisUpdate equals that of the staple currently held: nothing newer was learned.</summary>
    public bool IsSameAsHeld { get; internal init; }

    /// <inheritdoc />
    public override string ToString() =>
        Verdict == OcspVerdict.Rejected ? $"Rejected ({RejectReason}): {Message}" : $"{Verdict}: {Message}";
}
