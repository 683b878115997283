namespace RawTls.Cli.Commands;

/// <summary>`rawtls serve` (not yet implemented).</summary>
internal static class ServeCommand
{
    public static Task<int> RunAsync(CommandLine cl)
    {
        cl.EnsureAllConsumed();
        throw new CommandLineException("not implemented yet");
    }
}
