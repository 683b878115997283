using RawTls.Server;

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
    public static CertificateDocument From(CertificateStatus c, DateTimeOffset now)
    {
        var s = c.Stapling;
        var staple = s?.Staple;
        return new CertificateDocument(
            NameOf(c.Subject),
            c.SerialNumber,
            c.NotAfter,
            c.Serving,
            (s?.Mode ?? RawTls.Ocsp.StaplingMode.Off).ToString().ToLowerInvariant(),
            staple is null ? "none" : staple.Status.ToString().ToLowerInvariant(),
            staple?.ThisUpdate,
            staple?.NextUpdate,
            staple is null ? null : Math.Round((now - staple.ThisUpdate).TotalSeconds),
            s?.NextRefresh,
            s?.LastResult,
            s?.LastError,
            s?.LastAttempt,
            s?.ConsecutiveFailures ?? 0,
            null, // the snapshot does not say yet where the staple came from
            s?.RevokedSeen ?? false);
    }

    private static string NameOf(string subject)
    {
        foreach (string part in subject.Split(','))
        {
            string p = part.Trim();
            if (p.StartsWith("CN=", StringComparison.Ordinal))
            {
                return p[3..];
            }
        }

        return subject;
    }
}
