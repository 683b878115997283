namespace RawTls.Cli.Commands;

/// <summary>A usage error: printed without a stack trace, exit code 2.</summary>
internal sealed class CommandLineException(string message) : Exception(message);
