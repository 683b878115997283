using System.Net;

namespace RawTls.Cli.Commands.Operations;

/// <summary>Where the admin endpoint listens: a loopback TCP endpoint or a Unix socket path. Exactly one is set.</summary>
internal sealed record AdminAddress(IPEndPoint? EndPoint, string? SocketPath)
{
    /// <summary>
    /// <c>HOST:PORT</c> on loopback, or a path (it contains '/' or ends in <c>.sock</c>). Anything else, and
    /// a non-loopback address, is a usage error: the admin endpoint is never reachable from the network.
    /// </summary>
    public static AdminAddress Parse(string s, string optionName)
    {
        if (s.Contains('/', StringComparison.Ordinal) || s.EndsWith(".sock", StringComparison.Ordinal))
        {
            return new AdminAddress(null, Path.GetFullPath(s));
        }

        IPEndPoint endPoint;
        try
        {
            endPoint = ValueSyntax.ParseEndPoint(s, optionName);
        }
        catch (CommandLineException)
        {
            throw new CommandLineException($"--{optionName}: '{s}' is neither a loopback HOST:PORT nor a Unix socket path (a path contains '/' or ends in .sock)");
        }

        return IPAddress.IsLoopback(endPoint.Address)
            ? new AdminAddress(endPoint, null)
            : throw new CommandLineException($"--{optionName} must be on loopback (127.0.0.1:PORT, [::1]:PORT) or a Unix socket path, got '{s}'");
    }

    /// <inheritdoc />
    public override string ToString() => SocketPath ?? EndPoint!.ToString();
}
