using System.Globalization;
using System.Net;

namespace RawTls.Cli.Commands;

/// <summary>The value syntaxes of the command line, as pure functions: durations and <c>HOST:PORT</c>.</summary>
internal static class ValueSyntax
{
    /// <summary>Parses a duration: <c>500ms</c>, <c>10s</c>, <c>5m</c>, <c>2h</c>, <c>7d</c>; a bare number means seconds.</summary>
    public static TimeSpan ParseDuration(string s, string optionName)
    {
        (string number, double scale) = s switch
        {
            _ when s.EndsWith("ms", StringComparison.Ordinal) => (s[..^2], 0.001),
            _ when s.EndsWith('s') => (s[..^1], 1.0),
            _ when s.EndsWith('m') => (s[..^1], 60.0),
            _ when s.EndsWith('h') => (s[..^1], 3600.0),
            _ when s.EndsWith('d') => (s[..^1], 86400.0),
            _ => (s, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v < 0 || double.IsInfinity(v))
        {
            throw new CommandLineException($"--{optionName}: '{s}' is not a duration (e.g. 500ms, 10s, 5m, 2h, 7d)");
        }

        return TimeSpan.FromSeconds(v * scale);
    }

    /// <summary>Parses <c>HOST:PORT</c> to listen on (IPv4, <c>[IPv6]</c>, <c>localhost</c>, <c>*</c>; port 0 = any free port).</summary>
    public static IPEndPoint ParseEndPoint(string s, string optionName)
    {
        int colon = s.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(s.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            throw new CommandLineException($"--{optionName}: '{s}' is not HOST:PORT");
        }

        string host = s[..colon].Trim('[', ']');
        IPAddress address = host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" or "0.0.0.0" => IPAddress.Any,
            _ => IPAddress.TryParse(host, out var ip) ? ip : throw new CommandLineException($"--{optionName}: '{host}' is not an IP address"),
        };
        return new IPEndPoint(address, port);
    }

    /// <summary>Splits <c>HOST:PORT</c> to connect to (a host name is allowed; port 1–65535).</summary>
    public static (string Host, int Port) SplitHostPort(string s)
    {
        int colon = s.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(s.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is 0 or > 65535)
        {
            throw new CommandLineException($"'{s}' is not HOST:PORT");
        }

        return (s[..colon].Trim('[', ']'), port);
    }

    /// <summary>An absolute URL with one of <paramref name="schemes"/>.</summary>
    public static Uri ParseUrl(string s, string optionName, params string[] schemes)
    {
        if (!Uri.TryCreate(s, UriKind.Absolute, out Uri? url) || Array.IndexOf(schemes, url.Scheme) < 0)
        {
            throw new CommandLineException($"--{optionName} must be an absolute {string.Join(" or ", schemes.Select(static x => x + "://"))} URL, got '{s}'");
        }

        return url;
    }
}
