using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using RawTls.DevPki;

namespace RawTls.Cli.Commands;

/// <summary><c>rawtls ocsp-responder</c>: serves OCSP for a development PKI until Ctrl+C or SIGTERM.</summary>
internal static class OcspResponderCommand
{
    private static readonly Option<string> Pki = CliOptions.RequiredText("--pki", "DIR", "The development PKI directory to answer for.");
    private static readonly Option<IPEndPoint?> Listen = Required(CliOptions.EndPoint("--listen", "Address to listen on (port 0: any free port)."));
    private static readonly Option<TimeSpan> Validity = CliOptions.Duration("--validity", "nextUpdate − thisUpdate of each response.", "1h");

    public static Command Create()
    {
        var command = new Command("ocsp-responder", "Serve OCSP (GET and POST) for a development PKI until Ctrl+C or SIGTERM; revocations apply immediately.") { Pki, Listen, Validity };
        command.SetAction(static (result, _) => RunAsync(result, null, CancellationToken.None));
        return command;
    }

    /// <summary>Parses <paramref name="args"/> (the options after <c>ocsp-responder</c>) and runs; for tests.</summary>
    internal static Task<int> RunAsync(string[] args, Action<OcspResponder>? started, CancellationToken cancellationToken)
    {
        ParseResult result = Create().Parse(args);
        return result.Errors.Count > 0 ? Task.FromResult(2) : RunAsync(result, started, cancellationToken);
    }

    /// <summary>Runs the responder; <paramref name="started"/> sees it once listening, <paramref name="cancellationToken"/> stops it (for tests).</summary>
    private static async Task<int> RunAsync(ParseResult cl, Action<OcspResponder>? started, CancellationToken cancellationToken)
    {
        string dir = cl.GetValue(Pki)!;
        IPEndPoint endPoint = cl.GetValue(Listen)!;
        TimeSpan validity = cl.GetValue(Validity);
        string validityText = cl.GetResult(Validity)?.Tokens is [.., var last] ? last.Value : CliOptions.DefaultTexts[Validity];
        if (validity <= TimeSpan.Zero)
        {
            throw new CommandLineException("--validity must be positive");
        }

        DevCertificateAuthority ca;
        OcspResponder responder;
        try
        {
            ca = DevCertificateAuthority.Load(dir);
        }
        catch (Exception ex) when (ex is DevPkiException or IOException or UnauthorizedAccessException or CryptographicException)
        {
            Console.Error.WriteLine($"rawtls: {ex.Message}");
            return 1;
        }

        using (ca)
        {
            try
            {
                responder = OcspResponder.Start(ca, new OcspResponderOptions { EndPoint = endPoint, Validity = validity });
            }
            catch (SocketException ex)
            {
                Console.Error.WriteLine($"rawtls: cannot listen on {endPoint}: {ex.Message}");
                return 1;
            }

            await using (responder.ConfigureAwait(false))
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                void OnSignal(PosixSignalContext ctx)
                {
                    ctx.Cancel = true; // shut down ourselves, cleanly
                    stop.Cancel();
                }

                using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
                using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
                Console.WriteLine($"OCSP responder listening on {responder.Url} for {ca.Intermediate.Subject} (pki {ca.Directory}, validity {validityText})");
                Console.WriteLine("revocations made with 'rawtls pki revoke' apply immediately; Ctrl+C to stop");
                started?.Invoke(responder);
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // stop requested
                }

                Console.WriteLine($"stopping after {responder.RequestCount} request(s)");
            }
        }

        return 0;
    }

    private static Option<T> Required<T>(Option<T> option)
    {
        option.Required = true;
        return option;
    }
}
