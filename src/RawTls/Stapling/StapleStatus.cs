using RawTls.Ocsp;

namespace RawTls.Stapling;

/// <summary>An operator's view of one certificate's stapling at an instant. Immutable.</summary>
public sealed record StapleStatus
{
    /// <summary>The effective stapling mode.</summary>
    public required StaplingMode Mode { get; init; }

    /// <summary>The responder asked, or null when none is known.</summary>
    public Uri? ResponderUrl { get; init; }

    /// <summary>The staple in the one status vocabulary.</summary>
    public required StapleState State { get; init; }

    /// <summary>The staple served now, or null.</summary>
    public OcspStaple? Staple { get; init; }

    /// <summary>When <see cref="Staple"/> stops being served (nextUpdate minus the scaled margin), or null.</summary>
    public DateTimeOffset? StapleDropsAt { get; init; }

    /// <summary>True when <see cref="Staple"/> was read from the staple cache or shared store rather than fetched by this process.</summary>
    public bool FromStore { get; init; }

    /// <summary>Whether the certificate is being served at all.</summary>
    public required bool Serving { get; init; }

    /// <summary>True once a REVOKED response was validated; GOOD is never stapled again for this certificate.</summary>
    public bool RevokedSeen { get; init; }

    /// <summary>
    /// Outcome of the last attempt (<c>good</c>, <c>revoked</c>, <c>unchanged</c>, <c>store:good</c>, <c>lease_busy</c>,
    /// <c>timeout</c>, <c>rejected:invalid_signature</c>, ...).
    /// </summary>
    public string? LastResult { get; init; }

    /// <summary>Human-readable detail of the last failure, if the last attempt failed.</summary>
    public string? LastError { get; init; }

    /// <summary>When the last fetch ended.</summary>
    public DateTimeOffset? LastAttempt { get; init; }

    /// <summary>Failed attempts since the last success.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>When the next fetch is due.</summary>
    public DateTimeOffset? NextRefresh { get; init; }

    /// <summary>True when the runtime adapter is in use; false when RawTls fell back to the runtime's own fetching.</summary>
    public bool AdapterActive { get; init; } = true;
}
