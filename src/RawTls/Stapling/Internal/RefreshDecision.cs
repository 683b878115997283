namespace RawTls.Stapling.Internal;

/// <summary>A refresh policy decision: what to do now, the state to keep, and when to wake next.</summary>
/// <param name="Action">What to publish.</param>
/// <param name="State">The state after the event.</param>
/// <param name="FetchNow">Fetch at once (timer events only).</param>
/// <param name="Rejected">Why a fetched or stored response was not accepted (metric tag), or null.</param>
internal readonly record struct RefreshDecision(StapleAction Action, RefreshState State, bool FetchNow, string? Rejected)
{
    /// <summary>When the stapler's timer should fire: the next fetch, or the held staple's drop if that comes first.</summary>
    public DateTimeOffset WakeAt(RefreshSettings settings) => State.WakeAt(settings);
}
