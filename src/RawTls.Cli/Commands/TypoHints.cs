using System.CommandLine;

namespace RawTls.Cli.Commands;

/// <summary>
/// The nearest valid names for a parse's unmatched tokens: an unknown option gets the command's closest options, an
/// unknown command its closest subcommands. A token right after an unknown option is that option's value and gets
/// none (the library's own corrections offered <c>-h</c> for a value <c>x</c>).
/// </summary>
internal static class TypoHints
{
    private const int MaxDistance = 3;

    public static IEnumerable<string> For(ParseResult result)
    {
        Command command = result.CommandResult.Command;
        string? previous = null;
        foreach (string token in result.UnmatchedTokens)
        {
            bool afterUnknownOption = previous is not null && previous.StartsWith('-') && !previous.Contains('=', StringComparison.Ordinal);
            previous = token;
            if (token.StartsWith('-'))
            {
                string name = token.Split('=', 2)[0];
                List<string> options = OptionNames(result);

                if (Nearest(name, options) is { Count: > 0 } near)
                {
                    yield return Hint(name, near);
                }
            }
            else if (!afterUnknownOption && command.Subcommands.Count > 0)
            {
                List<string> commands = [];
                foreach (Command sub in command.Subcommands)
                {
                    if (!sub.Hidden)
                    {
                        commands.Add(sub.Name);
                    }
                }

                if (Nearest(token, commands) is { Count: > 0 } near)
                {
                    yield return Hint(token, near);
                }
            }
        }
    }

    /// <summary>The command's options and the recursive ones of its parents (help), by every dash-led name.</summary>
    private static List<string> OptionNames(ParseResult result)
    {
        var names = new List<string>();
        bool own = true;
        for (var r = result.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult, own = false)
        {
            foreach (Option option in r.Command.Options)
            {
                if (option.Hidden || !(own || option.Recursive))
                {
                    continue;
                }

                names.Add(option.Name);
                foreach (string alias in option.Aliases)
                {
                    if (alias.StartsWith('-'))
                    {
                        names.Add(alias);
                    }
                }
            }
        }

        return names;
    }

    private static string Hint(string token, List<string> near) =>
        $"'{token}' was not matched. Did you mean one of the following?{Environment.NewLine}{string.Join(Environment.NewLine, near)}";

    /// <summary>The candidates at the smallest edit distance (at most <see cref="MaxDistance"/>), or starting with the token.</summary>
    internal static List<string> Nearest(string token, IEnumerable<string> candidates)
    {
        var best = new List<string>();
        int bestDistance = MaxDistance + 1;
        foreach (string candidate in candidates)
        {
            int d = candidate.StartsWith(token, StringComparison.Ordinal) && token.TrimStart('-').Length > 0 ? 0 : Distance(token, candidate);
            if (d > MaxDistance)
            {
                continue;
            }

            if (d < bestDistance)
            {
                best.Clear();
                bestDistance = d;
            }

            if (d == bestDistance && !best.Contains(candidate))
            {
                best.Add(candidate);
            }
        }

        return best;
    }

    /// <summary>Levenshtein distance.</summary>
    private static int Distance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            row[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }
}
