namespace RawTls.Cli.Commands;

/// <summary>`rawtls ocspresponder` (not yet implemented).</summary>
internal static class OcspResponderCommand
{
    public static Task<int> RunAsync(CommandLine cl)
    {
        cl.EnsureAllConsumed();
        throw new CommandLineException("not implemented yet");
    }
}
