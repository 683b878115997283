using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;
using RawTls.Ocsp.Internal;

namespace RawTls.Certificates.Internal;

/// <summary>
/// Runtime internals, second and last place (the first is the staple adapter): OpenSSL's default of two TLS 1.3
/// session tickets per full handshake costs the server two ticket encryptions, a session serialise-and-parse each
/// and their random bytes (perf-results/NOTES.md: about 8 % of a full handshake's CPU). One ticket keeps resumption.
/// .NET has no API for it, so this finds the server <c>SSL_CTX</c> the runtime caches for a chain and its options
/// (keyed by certificate thumbprints, protocols and whether ALPN is set) through a real in-memory handshake, and sets
/// <c>num_tickets</c> on it; every later <c>SSL</c> made from that context copies the value. It then proves the
/// effect with two more handshakes: the next <c>SSL</c> has one ticket, and a client holding it resumes.
/// Any doubt (other platform, another libssl loaded, field shape changed, handshake failed) leaves the default.
/// </summary>
internal static partial class RuntimeTicketAdapter
{
    public const int Tickets = 1;

    private const string LibSsl = "libssl.so.3";
    private const string ProbeHost = "ticket-check.rawtls.invalid";

    /// <summary>Limits the tickets of the runtime's server context for <paramref name="template"/> and <paramref name="context"/>; null when done and proven, else why not.</summary>
    public static async Task<string?> ApplyAsync(SslServerAuthenticationOptions template, SslStreamCertificateContext context, bool simulateMismatch, CancellationToken cancellationToken)
    {
        if (simulateMismatch)
        {
            return "simulated: ticket adapter disabled for testing";
        }

        if (!OperatingSystem.IsLinux() || !template.AllowTlsResume)
        {
            return OperatingSystem.IsLinux() ? "TLS resumption is off" : "not the OpenSSL implementation";
        }

        if (!RuntimeUsesLibSsl3())
        {
            return "the runtime has not loaded " + LibSsl;
        }

        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            ApplicationProtocols = template.ApplicationProtocols,
            EnabledSslProtocols = template.EnabledSslProtocols,
            AllowTlsResume = true,
        };
        try
        {
            (string? problem, _) = await HandshakeAsync(options, static ssl =>
            {
                IntPtr ctx = SSL_get_SSL_CTX(ssl);
                return ctx != IntPtr.Zero && SSL_CTX_set_num_tickets(ctx, Tickets) == 1 && SSL_CTX_get_num_tickets(ctx) == Tickets;
            }, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                return problem;
            }

            // A fresh SSL from the cached context has one ticket; the client keeps it, and the third handshake resumes.
            (problem, _) = await HandshakeAsync(options, static ssl => SSL_get_num_tickets(ssl) == Tickets, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                return "the runtime did not take the ticket count: " + problem;
            }

            (problem, _) = await HandshakeAsync(options, static ssl => SSL_session_reused(ssl) == 1, cancellationToken).ConfigureAwait(false);
            return problem is null ? null : "resumption failed with one ticket: " + problem;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or MissingFieldException or IOException
            or System.Security.Authentication.AuthenticationException or OperationCanceledException or InvalidOperationException)
        {
            return ex.GetType().Name + ": " + ex.Message;
        }
    }

    /// <summary>True when the server stream's security context is the runtime's <c>SSL*</c> handle (the shape this relies on).</summary>
    internal static bool TryGetSsl(SslStream server, out IntPtr ssl)
    {
        ssl = IntPtr.Zero;
        FieldInfo? field = typeof(SslStream).GetField("_securityContext", BindingFlags.Instance | BindingFlags.NonPublic);
        if (field?.GetValue(server) is not SafeHandle handle || handle.GetType().FullName != "Microsoft.Win32.SafeHandles.SafeSslHandle" || handle.IsInvalid)
        {
            return false;
        }

        ssl = handle.DangerousGetHandle();
        return true;
    }

    private static async Task<(string? Problem, bool Checked)> HandshakeAsync(SslServerAuthenticationOptions options, Func<IntPtr, bool> check, CancellationToken cancellationToken)
    {
        var (serverEnd, clientEnd) = InMemoryDuplexStream.CreatePair();
        await using (serverEnd.ConfigureAwait(false))
        await using (clientEnd.ConfigureAwait(false))
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var server = new SslStream(serverEnd, leaveInnerStreamOpen: true);
            // The probe trusts exactly the leaf it is checking (the chain need not be trusted here).
            byte[] leaf = options.ServerCertificateContext!.TargetCertificate.RawData;
            using var client = new SslStream(clientEnd, leaveInnerStreamOpen: true, (_, certificate, _, _) => certificate is not null && certificate.GetRawCertData().AsSpan().SequenceEqual(leaf));
            var clientOptions = new SslClientAuthenticationOptions { TargetHost = ProbeHost, EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls13 };
            await Task.WhenAll(
                server.AuthenticateAsServerAsync(options, timeout.Token),
                client.AuthenticateAsClientAsync(clientOptions, timeout.Token)).ConfigureAwait(false);

            // One byte of data after the tickets, so the client reads (and caches) them.
            await server.WriteAsync(new byte[1], timeout.Token).ConfigureAwait(false);
            _ = await client.ReadAsync(new byte[1], timeout.Token).ConfigureAwait(false);
            if (!TryGetSsl(server, out IntPtr ssl))
            {
                return ("the runtime's SslStream has no OpenSSL handle where expected", false);
            }

            return check(ssl) ? (null, true) : ("the check on the server's SSL failed", false);
        }
    }

    private static bool RuntimeUsesLibSsl3()
    {
        string maps = File.ReadAllText("/proc/self/maps");
        return maps.Contains("/" + LibSsl, StringComparison.Ordinal) && !maps.Contains("libssl.so.1", StringComparison.Ordinal);
    }

    [LibraryImport(LibSsl)]
    private static partial IntPtr SSL_get_SSL_CTX(IntPtr ssl);

    [LibraryImport(LibSsl)]
    private static partial int SSL_CTX_set_num_tickets(IntPtr ctx, nuint tickets);

    [LibraryImport(LibSsl)]
    private static partial nuint SSL_CTX_get_num_tickets(IntPtr ctx);

    [LibraryImport(LibSsl)]
    private static partial nuint SSL_get_num_tickets(IntPtr ssl);

    [LibraryImport(LibSsl)]
    private static partial int SSL_session_reused(IntPtr ssl);
}
