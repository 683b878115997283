using RawTls.Ocsp;
using RawTls.Stapling;

namespace RawTls.Certificates;

/// <summary>
/// The state of one served certificate at an instant, for operators and health checks: what is served, its staple,
/// the refresh schedule and the last fetch. Immutable.
/// </summary>
public sealed record CertificateStatus
{
    /// <summary>The certificate's primary name (first configured host name, else first DNS/IP name, else the subject).</summary>
    public required string Name { get; init; }

    /// <summary>Where the certificate comes from (file path or subject).</summary>
    public required string Source { get; init; }

    /// <summary>The leaf's subject.</summary>
    public required string Subject { get; init; }

    /// <summary>The leaf's serial number (hex).</summary>
    public required string SerialNumber { get; init; }

    /// <summary>The leaf's expiry.</summary>
    public required DateTimeOffset NotAfter { get; init; }

    /// <summary>Version of the published context (increases with every swap).</summary>
    public required long ContextVersion { get; init; }

    /// <summary>Whether handshakes are served with it now (false: Require without a staple, or revoked under StopServing).</summary>
    public required bool Serving { get; init; }

    /// <summary>The effective stapling mode.</summary>
    public required StaplingMode Mode { get; init; }

    /// <summary>The staple, in the one status vocabulary.</summary>
    public required StapleState Staple { get; init; }

    /// <summary>thisUpdate of the held staple.</summary>
    public DateTimeOffset? ThisUpdate { get; init; }

    /// <summary>nextUpdate of the held staple.</summary>
    public DateTimeOffset? NextUpdate { get; init; }

    /// <summary>When the held staple stops being served (nextUpdate minus the margin scaled to its window).</summary>
    public DateTimeOffset? StapleDropsAt { get; init; }

    /// <summary>Age of the held staple at <see cref="CertificateSetStatus.At"/> (since thisUpdate).</summary>
    public TimeSpan? StapleAge { get; init; }

    /// <summary>True when the held staple was read from the staple cache or shared store rather than fetched by this process.</summary>
    public bool StapleFromStore { get; init; }

    /// <summary>When the next fetch is due.</summary>
    public DateTimeOffset? NextRefresh { get; init; }

    /// <summary>When the last fetch ended.</summary>
    public DateTimeOffset? LastFetch { get; init; }

    /// <summary>Outcome of the last fetch (<c>good</c>, <c>unchanged</c>, <c>timeout</c>, <c>rejected:expired</c>, ...), or null before the first.</summary>
    public string? LastFetchOutcome { get; init; }

    /// <summary>Detail of the last failure, when the last fetch failed.</summary>
    public string? LastFetchError { get; init; }

    /// <summary>Failed fetches since the last success.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>Full stapling detail, or null when stapling is off.</summary>
    public StapleStatus? Stapling { get; init; }

    /// <summary>What the last reload did, or null before the first.</summary>
    public CertificateReloadStatus? LastReload { get; init; }

    internal static CertificateStatus From(CertificateHolder holder, DateTimeOffset now)
    {
        StapledCertificateContext current = holder.Current;
        StapleStatus? stapling = holder.StaplingStatus;
        OcspStaple? staple = stapling?.Staple;
        IList<string>? configured = holder.Source.HostNames;
        string name = configured is { Count: > 0 } ? configured[0] : CertificateNames.Get(current.Leaf) is { Count: > 0 } names ? names[0] : current.Leaf.Subject;
        return new CertificateStatus
        {
            Name = name,
            Source = holder.Source.ToString(),
            Subject = current.Leaf.Subject,
            SerialNumber = current.Leaf.SerialNumber,
            NotAfter = current.Leaf.NotAfter.ToUniversalTime(),
            ContextVersion = current.Version,
            Serving = holder.IsServing,
            Mode = holder.StaplingMode,
            Staple = stapling?.State ?? StapleState.Off,
            ThisUpdate = staple?.ThisUpdate,
            NextUpdate = staple?.NextUpdate,
            StapleDropsAt = stapling?.StapleDropsAt,
            StapleAge = staple is null ? null : now - staple.ThisUpdate,
            StapleFromStore = stapling?.FromStore ?? false,
            NextRefresh = stapling?.NextRefresh,
            LastFetch = stapling?.LastAttempt,
            LastFetchOutcome = stapling?.LastResult,
            LastFetchError = stapling?.LastError,
            ConsecutiveFailures = stapling?.ConsecutiveFailures ?? 0,
            Stapling = stapling,
            LastReload = holder.LastReload,
        };
    }
}
