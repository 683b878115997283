using System.Net.Security;
using System.Security.Authentication;

namespace RawTls.Benchmarks;

/// <summary>
/// <c>--keys ecdsa|rsa</c> and <c>--stapled on|off</c> narrow the handshake parameter grid (default: all of it).
/// Read by the host process when it builds the case list; each case's own process gets its values from BenchmarkDotNet.
/// </summary>
internal static class BenchSelection
{
    public static KeyKind[] Keys { get; private set; } = [KeyKind.EcdsaP256, KeyKind.Rsa2048];

    public static bool[] Stapled { get; private set; } = [false, true];

    public static SslProtocols[] Protocols { get; } = [SslProtocols.Tls12, SslProtocols.Tls13];

    /// <summary>Takes the selection options out of <paramref name="args"/>; returns the rest for BenchmarkDotNet.</summary>
    public static string[] Parse(string[] args)
    {
        var rest = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--keys" when i + 1 < args.Length:
                    Keys = args[++i] switch
                    {
                        "ecdsa" => [KeyKind.EcdsaP256],
                        "rsa" => [KeyKind.Rsa2048],
                        _ => [KeyKind.EcdsaP256, KeyKind.Rsa2048],
                    };
                    break;
                case "--stapled" when i + 1 < args.Length:
                    Stapled = args[++i] switch
                    {
                        "on" => [true],
                        "off" => [false],
                        _ => [false, true],
                    };
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        return [.. rest];
    }
}
