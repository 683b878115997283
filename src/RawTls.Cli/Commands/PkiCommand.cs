namespace RawTls.Cli.Commands;

/// <summary>`rawtls pki init|issue|revoke` (not yet implemented).</summary>
internal static class PkiCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        _ = args;
        throw new CommandLineException("not implemented yet");
    }
}
