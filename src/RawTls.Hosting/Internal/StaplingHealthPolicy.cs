using Microsoft.Extensions.Diagnostics.HealthChecks;
using RawTls.Ocsp;

namespace RawTls.Hosting.Internal;

/// <summary>
/// The stapling health rules, as a pure function of the certificates' state and the time:
/// unhealthy when a certificate is revoked or not served (Require without a valid staple, StopServing after REVOKED);
/// degraded when a staple is due to stop being served within the margin, or a certificate goes unstapled (Auto), or
/// the responder says UNKNOWN; healthy otherwise. The worst certificate decides.
/// </summary>
internal static class StaplingHealthPolicy
{
    /// <summary>Share of a response's validity window used as the margin when none is configured.</summary>
    public const double DefaultMarginShare = 0.25;

    public static (HealthStatus Status, string Description, IReadOnlyDictionary<string, object> Data) Evaluate(
        IReadOnlyList<StapleHealthInput> certificates, DateTimeOffset now, TimeSpan? margin)
    {
        if (certificates.Count == 0)
        {
            return (HealthStatus.Unhealthy, "no certificate is loaded (not started yet, or start failed)", new Dictionary<string, object>());
        }

        HealthStatus worst = HealthStatus.Healthy;
        var problems = new List<string>();
        var data = new Dictionary<string, object>(certificates.Count);
        foreach (StapleHealthInput certificate in certificates)
        {
            (HealthStatus status, string detail) = Evaluate(certificate, now, margin);
            data[certificate.Name] = $"{status}: {detail}";
            if (status < worst)
            {
                worst = status;
            }

            if (status != HealthStatus.Healthy)
            {
                problems.Add($"{certificate.Name}: {detail}");
            }
        }

        string description = problems.Count == 0 ? $"{certificates.Count} certificate(s) served, stapling healthy" : string.Join("; ", problems);
        return (worst, description, data);
    }

    private static (HealthStatus Status, string Detail) Evaluate(StapleHealthInput certificate, DateTimeOffset now, TimeSpan? margin)
    {
        StapleStatus? status = certificate.Status;
        OcspStaple? staple = status?.Staple;
        if (status?.RevokedSeen == true || staple?.Status == OcspCertificateStatus.Revoked)
        {
            return (HealthStatus.Unhealthy, certificate.Serving ? "revoked (the REVOKED response is stapled)" : "revoked (no longer served)");
        }

        if (!certificate.Serving)
        {
            return (HealthStatus.Unhealthy, $"not served: stapling is {certificate.Mode} and there is no valid staple{LastResult(status)}");
        }

        if (certificate.Mode == StaplingMode.Off || status is null)
        {
            return (HealthStatus.Healthy, "stapling off");
        }

        if (staple is null || now >= certificate.StapleServedUntil)
        {
            return certificate.Mode == StaplingMode.Require
                ? (HealthStatus.Unhealthy, $"no valid staple under Require{LastResult(status)}")
                : (HealthStatus.Degraded, $"served without a staple{LastResult(status)}");
        }

        TimeSpan left = certificate.StapleServedUntil - now;
        TimeSpan effective = margin ?? (staple.NextUpdate - staple.ThisUpdate) * DefaultMarginShare;
        if (left <= effective)
        {
            return (HealthStatus.Degraded, $"the staple stops being served in {Format(left)} (margin {Format(effective)}){LastResult(status)}");
        }

        if (staple.Status != OcspCertificateStatus.Good)
        {
            return (HealthStatus.Degraded, $"the responder answers {staple.Status}");
        }

        return (HealthStatus.Healthy, $"GOOD staple served until {certificate.StapleServedUntil:u}");
    }

    private static string LastResult(StapleStatus? status) =>
        status?.LastResult is null ? string.Empty : $" (last fetch: {status.LastResult}{(status.LastError is null ? string.Empty : $", {status.LastError}")})";

    private static string Format(TimeSpan span) => span.TotalSeconds < 120 ? $"{span.TotalSeconds:0}s" : span.TotalMinutes < 120 ? $"{span.TotalMinutes:0}min" : $"{span.TotalHours:0.#}h";
}
