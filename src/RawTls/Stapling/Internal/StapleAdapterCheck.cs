using System.Net.Security;
using System.Security.Authentication;
using RawTls.Certificates;
using RawTls.Internal.Runtime;
using RawTls.Ocsp;
using RawTls.Ocsp.Internal;

namespace RawTls.Stapling.Internal;

/// <summary>
/// Proves at startup that <see cref="RuntimeStapleAdapter"/> works on this runtime: the private fields
/// exist, and real in-memory handshakes (TLS 1.2 and 1.3, read by a BouncyCastle client) carry exactly
/// the bound bytes. Any doubt means "unavailable", and stapling falls back to the runtime's own fetching.
/// </summary>
internal static class StapleAdapterCheck
{
    // A well-formed OCSPResponse (responseStatus tryLater, no body): clients parse it, nobody trusts it.
    private static readonly byte[] s_marker = [0x30, 0x03, 0x0A, 0x01, 0x03];
    private static readonly SslProtocols[] s_protocols = [SslProtocols.Tls13, SslProtocols.Tls12];

    public static async Task<(bool Ok, string? Problem)> RunAsync(CertificateBundle bundle, bool simulateUnavailable, CancellationToken cancellationToken)
    {
        if (simulateUnavailable)
        {
            return (false, "simulated: adapter disabled for testing");
        }

        foreach (SslProtocols protocol in s_protocols)
        {
            SslStreamCertificateContext context = RuntimeCertificateContext.Create(bundle);
            if (!RuntimeStapleAdapter.ShapeMatches(context, out string? problem))
            {
                return (false, problem);
            }

            RuntimeStapleAdapter.Bind(context, s_marker, DateTimeOffset.UtcNow.AddMinutes(5));
            byte[]? received;
            try
            {
                received = await HandshakeAsync(context, protocol, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or AuthenticationException or TimeoutException or InvalidOperationException)
            {
                return (false, $"probe handshake ({protocol}) failed: {ex.Message}");
            }

            if (received is null || !received.AsSpan().SequenceEqual(s_marker))
            {
                return (false, $"the runtime did not send the bound staple ({protocol}): got {(received is null ? "none" : received.Length + " other bytes")}");
            }
        }

        return (true, null);
    }

    /// <summary>What <paramref name="context"/> staples in an in-memory handshake (null: nothing).</summary>
    public static Task<byte[]?> ProbeStapleAsync(SslStreamCertificateContext context, CancellationToken cancellationToken)
        => HandshakeAsync(context, SslProtocols.Tls13, cancellationToken);

    private static async Task<byte[]?> HandshakeAsync(SslStreamCertificateContext context, SslProtocols protocol, CancellationToken cancellationToken)
    {
        var (serverEnd, clientEnd) = InMemoryDuplexStream.CreatePair();
        await using (serverEnd.ConfigureAwait(false))
        await using (clientEnd.ConfigureAwait(false))
        {
            using var server = new SslStream(serverEnd, leaveInnerStreamOpen: true);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            Task serverTask = server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = context }, timeout.Token);
            StapleProbeResult result;
            try
            {
                result = await StapleProbe.ProbeAsync(clientEnd, new StapleProbeOptions { Protocols = protocol, Timeout = TimeSpan.FromSeconds(10) }, timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                clientEnd.Dispose();
                try
                {
                    await serverTask.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
                {
                }
            }

            return result.NegotiatedProtocol == protocol ? result.OcspResponse : null;
        }
    }
}
