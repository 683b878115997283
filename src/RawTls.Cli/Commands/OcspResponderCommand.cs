using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using RawTls.DevPki;

namespace RawTls.Cli.Commands;

/// <summary><c>rawtls ocsp-responder</c>: serves OCSP for a development PKI until Ctrl+C or SIGTERM.</summary>
internal static class OcspResponderCommand
{
    public static Task<int> RunAsync(CommandLine cl) => RunAsync(cl, null, CancellationToken.None);

    /// <summary>Runs the responder; <paramref name="started"/> sees it once listening, <paramref name="cancellationToken"/> stops it (for tests).</summary>
    internal static async Task<int> RunAsync(CommandLine cl, Action<OcspResponder>? started, CancellationToken cancellationToken)
    {
        string dir = cl.Require("pki");
        var endPoint = CommandLine.ParseEndPoint(cl.Require("listen"), "listen");
        string validityText = cl.Get("validity") ?? "1h";
        TimeSpan validity = CommandLine.ParseDuration(validityText, "validity");
        cl.EnsureAllConsumed();
        if (cl.Positionals.Count > 0)
        {
            throw new CommandLineException($"unexpected argument '{cl.Positionals[0]}'");
        }

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
}
