using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;

namespace RawTls.Cli.Commands;

/// <summary>
/// Option factories, one per value syntax. A single-value option given twice keeps the last value (as
/// the command line always has); a value error names the option and what it accepts. Adding an option
/// to a command is one <c>Define(CliOptions.X(...))</c> line plus its use.
/// </summary>
internal static class CliOptions
{
    private static readonly Dictionary<Option, string> s_defaultTexts = [];

    /// <summary>How each option's default reads in help (as typed: <c>10s</c>, not <c>00:00:10</c>).</summary>
    public static IReadOnlyDictionary<Option, string> DefaultTexts => s_defaultTexts;

    /// <summary>Adds <paramref name="option"/> to a command's list (created on first use, so static field order cannot bite).</summary>
    public static T Define<T>(ref List<Option>? options, T option)
        where T : Option
    {
        (options ??= []).Add(option);
        return option;
    }

    /// <summary>A single value parsed by <paramref name="parse"/> (which throws <see cref="CommandLineException"/>).</summary>
    public static Option<T> Value<T>(string name, string helpName, string description, Func<string, string, T> parse, string? defaultText = null)
    {
        string bare = name.TrimStart('-');
        var option = new Option<T>(name)
        {
            Description = description,
            HelpName = helpName,
            Arity = ArgumentArity.OneOrMore, // repeated: last wins
            CustomParser = r => r.Tokens.Count == 0 ? default : Parse(r, r.Tokens[^1].Value, bare, parse),
        };
        if (defaultText is not null)
        {
            option.DefaultValueFactory = _ => parse(defaultText, bare);
            s_defaultTexts[option] = defaultText;
        }

        return option;
    }

    /// <summary>A repeatable option: every value, in order.</summary>
    public static Option<T[]> Repeated<T>(string name, string helpName, string description, Func<string, string, T> parse)
    {
        string bare = name.TrimStart('-');
        return new Option<T[]>(name)
        {
            Description = description,
            HelpName = helpName,
            Arity = ArgumentArity.OneOrMore,
            CustomParser = r => [.. r.Tokens.Select(t => Parse(r, t.Value, bare, parse)!)],
        };
    }

    /// <summary>A free-form string (a path, a name).</summary>
    public static Option<string?> Text(string name, string helpName, string description, string? defaultText = null) =>
        Value<string?>(name, helpName, description, static (s, _) => s, defaultText);

    /// <summary>A required free-form string.</summary>
    public static Option<string> RequiredText(string name, string helpName, string description)
    {
        Option<string> option = Value<string>(name, helpName, description, static (s, _) => s);
        option.Required = true;
        return option;
    }

    /// <summary>An integer within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<int> Int(string name, string description, int defaultValue, int min, int max) =>
        Value(name, "N", $"{description} ({min}–{max})", (s, bare) =>
            int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v) && v >= min && v <= max
                ? v
                : throw new CommandLineException($"--{bare} must be an integer between {min} and {max}, got '{s}'"),
            defaultValue.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A duration (<c>500ms</c>, <c>10s</c>, <c>5m</c>, <c>2h</c>, <c>7d</c>; a bare number means seconds).</summary>
    public static Option<TimeSpan> Duration(string name, string description, string defaultText) =>
        Value(name, "DURATION", description, ValueSyntax.ParseDuration, defaultText);

    /// <summary><c>HOST:PORT</c> to listen on.</summary>
    public static Option<IPEndPoint?> EndPoint(string name, string description, string? defaultText = null) =>
        Value<IPEndPoint?>(name, "HOST:PORT", description, ValueSyntax.ParseEndPoint, defaultText);

    /// <summary>One of a fixed set of words, each mapped to a value; help lists them as <c>a|b|c</c>.</summary>
    /// <remarks>Not for <see cref="bool"/>: the parser would then take only true/false as the value.</remarks>
    public static Option<T> Choice<T>(string name, string description, string? defaultText, params (string Text, T Value)[] choices)
    {
        string[] words = [.. choices.Select(static c => c.Text)];
        string allowed = words.Length == 1 ? words[0] : $"{string.Join(", ", words[..^1])} or {words[^1]}";
        return Value(name, string.Join('|', words), description, (s, bare) =>
        {
            foreach (var (text, value) in choices)
            {
                if (text == s)
                {
                    return value;
                }
            }

            throw new CommandLineException($"--{bare} must be {allowed}, got '{s}'");
        }, defaultText);
    }

    /// <summary>A flag that takes no value.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    private static T? Parse<T>(ArgumentResult result, string text, string bare, Func<string, string, T> parse)
    {
        try
        {
            return parse(text, bare);
        }
        catch (CommandLineException ex)
        {
            result.AddError(ex.Message);
            return default;
        }
    }
}
