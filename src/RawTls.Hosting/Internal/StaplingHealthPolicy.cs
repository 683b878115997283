using Microsoft.Extensions.Diagnostics.HealthChecks;
using RawTls.Certificates;
using RawTls.Ocsp;
using RawTls.Stapling;

namespace RawTls.Hosting.Internal;

/// <summary>
/// The stapling health rules, a pure function of a status snapshot: unhealthy when a certificate is revoked or not
/// served (Require without a valid staple, StopServing after REVOKED); degraded when a staple stops being served within
/// the margin, or a certificate goes unstapled (Auto); healthy otherwise. The worst certificate decides.
/// </summary>
internal static class StaplingHealthPolicy
{
    /// <summary>Share of a response's validity window used as the margin when none is configured.</summary>
    public const double DefaultMarginShare = 0.25;

    public static (HealthStatus Status, string Description, IReadOnlyDictionary<string, object> Data) Evaluate(CertificateSetStatus? snapshot, TimeSpan? margin)
    {
        if (snapshot is null || snapshot.Certificates.Count == 0)
        {
            return (HealthStatus.Unhealthy, "no certificate is loaded (not started yet, or start failed)", new Dictionary<string, object>());
        }

        HealthStatus worst = HealthStatus.Healthy;
        var problems = new List<string>();
        var data = new Dictionary<string, object>(snapshot.Certificates.Count);
        foreach (CertificateStatus certificate in snapshot.Certificates)
        {
            (HealthStatus status, string detail) = Evaluate(certificate, snapshot.At, margin);
            string name = $"{certificate.Name} (serial {certificate.SerialNumber})";
            data[name] = $"{status}: {detail}";
            worst = status < worst ? status : worst;
            if (status != HealthStatus.Healthy)
            {
                problems.Add($"{name}: {detail}");
            }
        }

        string description = problems.Count == 0 ? $"{snapshot.Certificates.Count} certificate(s) served, stapling healthy" : string.Join("; ", problems);
        return (worst, description, data);
    }

    private static (HealthStatus Status, string Detail) Evaluate(CertificateStatus certificate, DateTimeOffset now, TimeSpan? margin)
    {
        if (certificate.Staple == StapleState.Revoked || certificate.Stapling?.RevokedSeen == true)
        {
            return (HealthStatus.Unhealthy, certificate.Serving ? "revoked (the REVOKED response is stapled)" : "revoked (no longer served)");
        }

        if (!certificate.Serving)
        {
            return (HealthStatus.Unhealthy, $"not served: stapling is {certificate.Mode} and there is no valid staple{LastFetch(certificate)}");
        }

        if (certificate.Staple == StapleState.Off)
        {
            return (HealthStatus.Healthy, "stapling off");
        }

        if (certificate.Staple != StapleState.Good || certificate.StapleDropsAt is not { } dropsAt || now >= dropsAt)
        {
            return certificate.Mode == StaplingMode.Require
                ? (HealthStatus.Unhealthy, $"no valid staple under Require{LastFetch(certificate)}")
                : (HealthStatus.Degraded, $"served without a staple{LastFetch(certificate)}");
        }

        TimeSpan left = dropsAt - now;
        TimeSpan window = certificate.NextUpdate is { } next && certificate.ThisUpdate is { } first ? next - first : TimeSpan.Zero;
        TimeSpan effective = margin ?? window * DefaultMarginShare;
        return left <= effective
            ? (HealthStatus.Degraded, $"the staple stops being served in {Format(left)} (margin {Format(effective)}){LastFetch(certificate)}")
            : (HealthStatus.Healthy, $"GOOD staple served until {dropsAt:u}");
    }

    private static string LastFetch(CertificateStatus certificate) =>
        certificate.LastFetchOutcome is null ? string.Empty
        : $" (last fetch: {certificate.LastFetchOutcome}{(certificate.LastFetchError is null ? string.Empty : $", {certificate.LastFetchError}")})";

    private static string Format(TimeSpan span) =>
        span.TotalSeconds < 120 ? $"{span.TotalSeconds:0}s" : span.TotalMinutes < 120 ? $"{span.TotalMinutes:0}min" : $"{span.TotalHours:0.#}h";
}
