using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Org.BouncyCastle.Tls;
using RawTls.Ocsp.Internal;

namespace RawTls.Ocsp;

/// <summary>
/// A TLS client (BouncyCastle's, since .NET's cannot read a staple) that handshakes with a server and reports the
/// stapled OCSP response exactly as sent. It validates nothing: it is the witness that the server sends what it bound.
/// </summary>
internal static class StapleProbe
{
    // One TLS record plus header and expansion; the transport may hand us any amount, BouncyCastle buffers the rest.
    private const int BufferSize = 16 * 1024 + 2048;

    /// <summary>Handshakes over an already connected duplex stream, then sends close_notify.</summary>
    /// <remarks>
    /// The stream is neither closed nor disposed. On timeout or cancellation a read may still be pending on it:
    /// dispose it then. <see cref="StapleProbeOptions.CheckResumption"/> is ignored (it needs a second connection).
    /// </remarks>
    /// <exception cref="StapleProbeException">The handshake failed.</exception>
    /// <exception cref="TimeoutException"><see cref="StapleProbeOptions.Timeout"/> elapsed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<StapleProbeResult> ProbeAsync(
        Stream transport, StapleProbeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        Validate(options);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            var (result, _) = await HandshakeAsync(transport, options, null, timeout.Token).ConfigureAwait(false);
            return result;
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(options, "the server", e);
        }
    }

    /// <summary>Connects a TCP socket to <paramref name="endPoint"/>, handshakes, sends close_notify and closes.</summary>
    /// <remarks>With <see cref="StapleProbeOptions.CheckResumption"/>, a second connection tries to resume the session.</remarks>
    /// <exception cref="StapleProbeException">The handshake failed.</exception>
    /// <exception cref="SocketException">The connection could not be made.</exception>
    /// <exception cref="TimeoutException"><see cref="StapleProbeOptions.Timeout"/> elapsed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task<StapleProbeResult> ProbeAsync(
        IPEndPoint endPoint, StapleProbeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return ProbeAsync(ct => ConnectAsync(endPoint, ct), endPoint.ToString(), options, cancellationToken);
    }

    /// <summary>
    /// Opens each connection with <paramref name="connect"/> (and disposes it afterwards), so that
    /// <see cref="StapleProbeOptions.CheckResumption"/> can make a second one, e.g. to an in-memory server.
    /// </summary>
    /// <param name="connect">Opens a fresh connected duplex stream to the server.</param>
    /// <param name="serverDescription">Names the server in error messages.</param>
    /// <param name="options">Probe settings.</param>
    /// <param name="cancellationToken">Cancels the probe.</param>
    /// <exception cref="StapleProbeException">The handshake failed.</exception>
    /// <exception cref="TimeoutException"><see cref="StapleProbeOptions.Timeout"/> elapsed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<StapleProbeResult> ProbeAsync(
        Func<CancellationToken, Task<Stream>> connect,
        string serverDescription,
        StapleProbeOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connect);
        Validate(options);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        var ct = timeout.Token;
        try
        {
            StapleProbeResult result;
            TlsSession? session;
            var first = await connect(ct).ConfigureAwait(false);
            await using (first.ConfigureAwait(false))
            {
                (result, session) = await HandshakeAsync(first, options, null, ct).ConfigureAwait(false);
            }

            if (!options.CheckResumption || session is null || !session.IsResumable)
            {
                return result;
            }

            var second = await connect(ct).ConfigureAwait(false);
            await using (second.ConfigureAwait(false))
            {
                var (resumed, _) = await HandshakeAsync(second, options, session, ct).ConfigureAwait(false);
                return new StapleProbeResult
                {
                    NegotiatedProtocol = result.NegotiatedProtocol,
                    CipherSuite = result.CipherSuite,
                    ApplicationProtocol = result.ApplicationProtocol,
                    ServerCertificateChain = result.ServerCertificateChain,
                    OcspResponse = result.OcspResponse,
                    ResumptionChecked = true,
                    ResumedSession = resumed.ResumedSession,
                };
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(options, serverDescription, e);
        }
    }

    private static void Validate(StapleProbeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Protocols == SslProtocols.None
            || (options.Protocols & ~(SslProtocols.Tls12 | SslProtocols.Tls13)) != 0)
        {
            throw new ArgumentException("Only TLS 1.2 and TLS 1.3 can be probed.", nameof(options));
        }

        if (options.Timeout <= TimeSpan.Zero && options.Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException("Timeout must be positive.", nameof(options));
        }

        if (options.ServerName is { } name && !System.Text.Ascii.IsValid(name))
        {
            throw new ArgumentException("ServerName must be ASCII (use the IDNA A-label form).", nameof(options));
        }
    }

    private static TimeoutException TimedOut(StapleProbeOptions options, string server, Exception inner) =>
        new($"The TLS probe of {server} did not complete within {options.Timeout.TotalSeconds:0.###} s.", inner);

    private static async Task<Stream> ConnectAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<(StapleProbeResult Result, TlsSession? Session)> HandshakeAsync(
        Stream transport, StapleProbeOptions options, TlsSession? resume, CancellationToken ct)
    {
        var client = new ProbeTlsClient(options, resume);
        var protocol = new ProbeClientProtocol();
        var buffer = new byte[BufferSize];
        try
        {
            protocol.Connect(client);
            while (true)
            {
                await FlushAsync(protocol, transport, buffer, ct).ConfigureAwait(false);
                if (client.HandshakeCompleted)
                {
                    break;
                }

                // WaitAsync as well: not every Stream honours the token, and a silent server must not hang us.
                var read = await transport.ReadAsync(buffer, ct).AsTask().WaitAsync(ct).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new StapleProbeException(
                        "The server closed the connection during the TLS handshake" + Because(client) + ".");
                }

                protocol.OfferInput(buffer, 0, read);
            }

            var result = BuildResult(client, protocol);
            var session = client.ResumableSession;

            // close_notify, so the server sees an orderly shutdown rather than a reset. Best effort: the handshake,
            // which is what we were asked about, already succeeded.
            protocol.Close();
            await TryFlushBrieflyAsync(protocol, transport, buffer, ct).ConfigureAwait(false);
            return (result, session);
        }
        catch (TlsFatalAlertReceived e)
        {
            throw new StapleProbeException(
                $"The server aborted the TLS handshake with alert {AlertDescription.GetText(e.AlertDescription)}.", e);
        }
        catch (TlsFatalAlert e)
        {
            await TryFlushBrieflyAsync(protocol, transport, buffer, ct).ConfigureAwait(false);
            throw new StapleProbeException(
                $"The TLS handshake failed: {AlertDescription.GetText(e.AlertDescription)} ({e.Message}).", e);
        }
        catch (TlsNoCloseNotifyException e)
        {
            throw new StapleProbeException("The server closed the connection without close_notify" + Because(client) + ".", e);
        }
        catch (IOException e) when (e is not StapleProbeException)
        {
            throw new StapleProbeException($"The connection failed during the TLS handshake: {e.Message}", e);
        }
    }

    private static string Because(ProbeTlsClient client) =>
        client.LastAlert is null ? string.Empty : " (last alert: " + client.LastAlert + ")";

    private static async Task FlushAsync(TlsProtocol protocol, Stream transport, byte[] buffer, CancellationToken ct)
    {
        var wrote = false;
        while (protocol.GetAvailableOutputBytes() > 0)
        {
            var count = protocol.ReadOutput(buffer, 0, buffer.Length);
            await transport.WriteAsync(buffer.AsMemory(0, count), ct).AsTask().WaitAsync(ct).ConfigureAwait(false);
            wrote = true;
        }

        if (wrote)
        {
            await transport.FlushAsync(ct).WaitAsync(ct).ConfigureAwait(false);
        }
    }

    // Sends a pending alert (close_notify or the reason we gave up) without letting it hide the outcome or block long.
    private static async Task TryFlushBrieflyAsync(TlsProtocol protocol, Stream transport, byte[] buffer, CancellationToken ct)
    {
        using var brief = CancellationTokenSource.CreateLinkedTokenSource(ct);
        brief.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await FlushAsync(protocol, transport, buffer, brief.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or TlsException)
        {
        }
    }

    private static StapleProbeResult BuildResult(ProbeTlsClient client, ProbeClientProtocol protocol)
    {
        var parameters = client.SecurityParameters;
        var isTls13 = TlsUtilities.IsTlsV13(parameters.NegotiatedVersion);
        var serverCertificate = client.ServerCertificate?.Certificate ?? parameters.PeerCertificate;

        var chain = new List<byte[]>();
        if (serverCertificate is not null)
        {
            for (var i = 0; i < serverCertificate.Length; i++)
            {
                chain.Add(serverCertificate.GetCertificateAt(i).GetEncoded());
            }
        }

        return new StapleProbeResult
        {
            NegotiatedProtocol = isTls13 ? SslProtocols.Tls13 : SslProtocols.Tls12,
            CipherSuite = parameters.CipherSuite,
            ApplicationProtocol = parameters.ApplicationProtocol?.GetUtf8Decoding(),
            ServerCertificateChain = chain,
            OcspResponse = isTls13 ? ReadTls13Staple(serverCertificate) : ReadTls12Staple(protocol),
            ResumedSession = parameters.IsResumedSession,
        };
    }

    // TLS 1.2 (RFC 6066 §8): the CertificateStatus handshake message, kept raw by ProbeClientProtocol.
    private static byte[]? ReadTls12Staple(ProbeClientProtocol protocol) =>
        protocol.CertificateStatusBody is { } body ? CertificateStatusReader.ReadOcspResponse(body) : null;

    // TLS 1.3 (RFC 8446 §4.4.2.1): the status_request extension of the first CertificateEntry; entries further down
    // the chain may carry their own status, which is not the leaf's staple.
    private static byte[]? ReadTls13Staple(Certificate? certificate)
    {
        if (certificate is null || certificate.IsEmpty)
        {
            return null;
        }

        var extensions = certificate.GetCertificateEntryAt(0).Extensions;
        if (extensions is null || !extensions.TryGetValue(ExtensionType.status_request, out var data))
        {
            return null;
        }

        return CertificateStatusReader.ReadOcspResponse(data);
    }
}
