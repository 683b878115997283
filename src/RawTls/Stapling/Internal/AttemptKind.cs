namespace RawTls.Stapling.Internal;

/// <summary>The kinds of <see cref="Attempt"/>.</summary>
internal enum AttemptKind
{
    /// <summary>A validated GOOD or REVOKED response.</summary>
    Response,

    /// <summary>No usable response.</summary>
    Failed,

    /// <summary>Another instance holds the fetch lease and the store has nothing newer yet.</summary>
    LeaseBusy,
}
