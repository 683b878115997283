using RawTls.Certificates;
using RawTls.Stapling;

namespace RawTls.Cli.Commands.Operations;

/// <summary>One certificate's row: identity, the served staple and the last fetch.</summary>
internal sealed record CertificateDocument(
    string Name,
    string Serial,
    DateTimeOffset NotAfter,
    bool Serving,
    string Stapling,
    string StapleStatus,
    DateTimeOffset? ThisUpdate,
    DateTimeOffset? NextUpdate,
    double? AgeSeconds,
    DateTimeOffset? NextRefresh,
    string? LastResult,
    string? LastError,
    DateTimeOffset? LastAttempt,
    int FailuresInRow,
    bool? FromCache,
    bool RevokedSeen)
{
    public static CertificateDocument From(CertificateStatus c)
    {
        return new CertificateDocument(
            c.Name,
            c.SerialNumber,
            c.NotAfter,
            c.Serving,
            c.Mode.ToString().ToLowerInvariant(),
            c.Staple.ToString().ToLowerInvariant(),
            c.ThisUpdate,
            c.NextUpdate,
            c.StapleAge is { } age ? Math.Round(age.TotalSeconds) : null,
            c.NextRefresh,
            c.LastFetchOutcome,
            c.LastFetchError,
            c.LastFetch,
            c.ConsecutiveFailures,
            c.Stapling is null ? null : c.StapleFromStore,
            c.Stapling?.RevokedSeen ?? false);
    }
}
