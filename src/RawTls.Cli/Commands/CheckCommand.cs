namespace RawTls.Cli.Commands;

/// <summary>`rawtls check` (not yet implemented).</summary>
internal static class CheckCommand
{
    public static Task<int> RunAsync(CommandLine cl)
    {
        cl.EnsureAllConsumed();
        throw new CommandLineException("not implemented yet");
    }
}
