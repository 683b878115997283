using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text.RegularExpressions;
using RawTls.Cli.Commands.Operations;

namespace RawTls.Cli.Commands;

/// <summary>
/// Routes <c>rawtls &lt;command&gt; ...</c> to its command. Exit codes: 0 success; 1 the command failed
/// (files, network, validation); 2 usage error (unknown command or option, bad value); 3 <c>check</c> or
/// <c>status</c> could not connect.
/// </summary>
internal static class CommandDispatcher
{
    /// <summary>Usage error.</summary>
    public const int UsageExitCode = 2;

    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("rawtls — a minimal, fast TLS server with OCSP stapling. Durations: 500ms, 10s, 5m, 2h, 7d (a bare number means seconds).")
        {
            ServeCommand.Create(),
            PkiCommand.Create(),
            OcspResponderCommand.Create(),
            CheckCommand.Create(),
            StatusCommand.Create(),
        };
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        RootCommand root = CreateRoot();
        if (args.Length == 0)
        {
            Console.Out.Write(HelpText(root.Parse(["--help"])));
            return UsageExitCode;
        }

        if (args[0] == "help")
        {
            args = [.. args[1..], "--help"];
        }

        ParseResult result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            if (result.Action is ParseErrorAction errors)
            {
                errors.ShowHelp = false;
                errors.ShowTypoCorrections = false; // TypoHints: none for an unknown option's value
            }

            foreach (string hint in TypoHints.For(result))
            {
                Console.Error.WriteLine(hint);
                Console.Error.WriteLine();
            }

            result.Invoke(new InvocationConfiguration { Output = Console.Error, Error = Console.Error });
            Console.Error.WriteLine($"run '{CommandPath(result)} --help' for usage");
            return UsageExitCode;
        }

        if (result.Action is HelpAction)
        {
            Console.Out.Write(HelpText(result));
            return 0;
        }

        try
        {
            return await result.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }).ConfigureAwait(false);
        }
        catch (CommandLineException ex)
        {
            Console.Error.WriteLine($"rawtls: {ex.Message}");
            Console.Error.WriteLine($"run '{CommandPath(result)} --help' for usage");
            return UsageExitCode;
        }
    }

    /// <summary>The exit codes, appended to every command's help (the README's table says the same).</summary>
    internal const string ExitCodes = """
        Exit codes:
          0  success (check: a valid GOOD staple that matches the leaf)
          1  the command failed: unreadable or invalid files, cannot listen, PKI errors (check: no staple, or an
             invalid, revoked or unknown one; status: the endpoint answered no status document)
          2  usage error: unknown command or option, missing or bad value
          3  check or status cannot connect

        """;

    /// <summary>
    /// The library's help for the command, with each default shown as typed (<c>10s</c>, <c>auto</c>, <c>on</c>)
    /// instead of the parsed value's ToString (<c>00:00:10</c>, <c>Auto</c>, <c>True</c>), then the exit codes.
    /// </summary>
    internal static string HelpText(ParseResult result)
    {
        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        result.Invoke(new InvocationConfiguration { Output = writer });
        string text = writer.ToString();
        int at = 0;
        foreach (Option option in result.CommandResult.Command.Options)
        {
            if (!CliOptions.DefaultTexts.TryGetValue(option, out string? typed) || option.GetDefaultValue()?.ToString() is not { } shown)
            {
                continue;
            }

            int name = text.IndexOf(option.Name + " ", at, StringComparison.Ordinal);
            Match m = Regex.Match(text[Math.Max(name, at)..], $@"\[default:\s+{Regex.Escape(shown)}\]", RegexOptions.IgnoreCase);
            if (name >= 0 && m.Success)
            {
                int start = name + m.Index;
                text = string.Concat(text.AsSpan(0, start), $"[default: {typed}]", text.AsSpan(start + m.Length));
                at = start;
            }
        }

        return text + ExitCodes;
    }

    private static string CommandPath(ParseResult result)
    {
        var names = new List<string>();
        for (var r = result.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, r.Command is RootCommand ? "rawtls" : r.Command.Name);
        }

        return string.Join(' ', names);
    }
}
