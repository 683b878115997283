using RawTls.Ocsp;

namespace RawTls.Stapling.Internal;

/// <summary>What the refresh policy knows about one certificate between events. Immutable; the stapler keeps the latest.</summary>
/// <param name="Held">The validated staple served now, or null.</param>
/// <param name="RevokedSeen">A REVOKED response was accepted once: GOOD is never accepted again.</param>
/// <param name="Failures">Failed fetches since the last success.</param>
/// <param name="NewestThisUpdate">thisUpdate of the newest response ever accepted: nothing older is accepted (no rollback).</param>
/// <param name="LastWindow">Validity window of the last accepted response: bounds retry delays while none is held.</param>
/// <param name="NextFetch">When the next fetch is due.</param>
internal readonly record struct RefreshState(
    OcspStaple? Held,
    bool RevokedSeen,
    int Failures,
    DateTimeOffset? NewestThisUpdate,
    TimeSpan? LastWindow,
    DateTimeOffset NextFetch)
{
    public static RefreshState Initial(DateTimeOffset now) => new(null, false, 0, null, null, now);

    /// <summary>When the stapler's timer should fire: the next fetch, or the held staple's drop if that comes first.</summary>
    public DateTimeOffset WakeAt(RefreshSettings settings) =>
        Held is { } held && RefreshPolicy.DropAt(held, settings) < NextFetch ? RefreshPolicy.DropAt(held, settings) : NextFetch;
}
