using System.Globalization;
using System.Text;
using RawTls.Stapling;

namespace RawTls.Cli.Commands.Operations;

/// <summary>Renders a <see cref="StatusDocument"/> as the operator's table: one row per certificate, then each row's last error.</summary>
internal static class StatusTable
{
    private static readonly string[] s_headers = ["NAME", "SERIAL", "STAPLE", "THIS UPDATE", "NEXT UPDATE", "AGE", "NEXT REFRESH", "LAST FETCH", "FAILS", "CACHED"];

    public static string Render(StatusDocument status)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"connections {status.ActiveConnections} open, {status.AcceptedConnections} accepted, {status.RejectedConnections} rejected; handshakes {status.HandshakesCompleted} completed, {status.HandshakesFailed} failed (at {Time(status.Time)})");
        sb.AppendLine().AppendLine();

        var rows = new List<string[]> { s_headers };
        foreach (CertificateDocument c in status.Certificates)
        {
            rows.Add(
            [
                c.Name,
                c.Serial,
                c.Stapling == "off" ? "off" : c.RevokedSeen && c.StapleStatus != "revoked" ? c.StapleStatus + "!" : c.StapleStatus,
                Time(c.ThisUpdate),
                Time(c.NextUpdate),
                c.AgeSeconds is { } age ? Duration(TimeSpan.FromSeconds(age)) : "-",
                Time(c.NextRefresh),
                c.LastResult ?? "-",
                c.FailuresInRow.ToString(CultureInfo.InvariantCulture),
                c.FromCache switch { true => "yes", false => "no", null => "-" },
            ]);
        }

        int[] widths = new int[s_headers.Length];
        foreach (string[] row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (string[] row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                sb.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            }

            sb.AppendLine();
        }

        foreach (CertificateDocument c in status.Certificates)
        {
            if (c.LastError is { } error)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"{c.Name} ({c.Serial}): last error at {Time(c.LastAttempt)}: {error}");
            }
        }

        return sb.ToString().TrimEnd();
    }

    private static string Time(DateTimeOffset? t) => t is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    /// <summary>Compact age: <c>42s</c>, <c>5m12s</c>, <c>3h04m</c>, <c>2d03h</c>.</summary>
    internal static string Duration(TimeSpan d) => d switch
    {
        _ when d < TimeSpan.Zero => "-" + Duration(-d),
        _ when d.TotalMinutes < 1 => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalSeconds}s"),
        _ when d.TotalHours < 1 => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalMinutes}m{d.Seconds:00}s"),
        _ when d.TotalDays < 1 => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalHours}h{d.Minutes:00}m"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalDays}d{d.Hours:00}h"),
    };
}
