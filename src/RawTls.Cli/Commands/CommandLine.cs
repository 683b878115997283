using System.Globalization;
using System.Net;

namespace RawTls.Cli.Commands;

/// <summary>
/// Parsed <c>--name value</c> options (repeatable, kept in order), bare flags and positional arguments.
/// Every option must be consumed by the command; <see cref="EnsureAllConsumed"/> reports the rest as unknown.
/// </summary>
internal sealed class CommandLine
{
    private readonly List<(string Name, string? Value)> _options = [];
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags;

    private CommandLine(HashSet<string> flags) => _flags = flags;

    /// <summary>Positional arguments in order.</summary>
    public List<string> Positionals { get; } = [];

    /// <summary>Options in command-line order, for options that come in ordered sets (e.g. --cert/--key/--chain).</summary>
    public IReadOnlyList<(string Name, string? Value)> Options => _options;

    /// <summary>Parses <paramref name="args"/>; names listed in <paramref name="flags"/> take no value.</summary>
    public static CommandLine Parse(string[] args, params string[] flags)
    {
        var cl = new CommandLine(new HashSet<string>(flags, StringComparer.Ordinal));
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                string name = a[2..];
                string? value = null;
                int eq = name.IndexOf('=', StringComparison.Ordinal);
                if (eq >= 0)
                {
                    value = name[(eq + 1)..];
                    name = name[..eq];
                }
                else if (!cl._flags.Contains(name))
                {
                    if (i + 1 >= args.Length)
                    {
                        throw new CommandLineException($"option --{name} needs a value");
                    }

                    value = args[++i];
                }

                cl._options.Add((name, value));
            }
            else
            {
                cl.Positionals.Add(a);
            }
        }

        return cl;
    }

    /// <summary>True when the bare flag <c>--name</c> was given.</summary>
    public bool Flag(string name)
    {
        _consumed.Add(name);
        return _options.Exists(o => o.Name == name);
    }

    /// <summary>The last value of <c>--name</c>, or null.</summary>
    public string? Get(string name)
    {
        _consumed.Add(name);
        string? value = null;
        foreach (var (n, v) in _options)
        {
            if (n == name)
            {
                value = v;
            }
        }

        return value;
    }

    /// <summary>All values of a repeatable option, in order.</summary>
    public List<string> GetAll(string name)
    {
        _consumed.Add(name);
        var values = new List<string>();
        foreach (var (n, v) in _options)
        {
            if (n == name && v is not null)
            {
                values.Add(v);
            }
        }

        return values;
    }

    /// <summary>The value of <c>--name</c>, or a usage error.</summary>
    public string Require(string name) => Get(name) ?? throw new CommandLineException($"option --{name} is required");

    /// <summary>An integer option within [min, max].</summary>
    public int GetInt(string name, int defaultValue, int min = 0, int max = int.MaxValue)
    {
        string? s = Get(name);
        if (s is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
        {
            throw new CommandLineException($"--{name} must be an integer between {min} and {max}, got '{s}'");
        }

        return v;
    }

    /// <summary>A duration option (<c>500ms</c>, <c>10s</c>, <c>5m</c>, <c>2h</c>, <c>7d</c>; bare numbers are seconds).</summary>
    public TimeSpan GetDuration(string name, TimeSpan defaultValue)
    {
        string? s = Get(name);
        return s is null ? defaultValue : ParseDuration(s, name);
    }

    /// <summary>Parses a duration such as <c>10s</c>.</summary>
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

    /// <summary>Parses <c>HOST:PORT</c> (IPv4, <c>[IPv6]</c>, or <c>localhost</c>).</summary>
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

    /// <summary>Fails with a usage error naming every option the command did not read.</summary>
    public void EnsureAllConsumed()
    {
        foreach (var (n, _) in _options)
        {
            if (!_consumed.Contains(n))
            {
                throw new CommandLineException($"unknown option --{n}");
            }
        }
    }
}
