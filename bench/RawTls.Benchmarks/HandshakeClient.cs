using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace RawTls.Benchmarks;

/// <summary>
/// One benchmark operation: connect over loopback, handshake as a client, read the one byte the server sends
/// after its handshake (so both ends have finished, and a TLS 1.3 ticket has been processed), close.
/// </summary>
internal sealed class HandshakeClient
{
    private readonly IPEndPoint _endPoint;
    private readonly SslClientAuthenticationOptions _options;
    private readonly byte[] _buffer = new byte[16];

    public HandshakeClient(IPEndPoint endPoint, SslProtocols protocol, bool resume)
    {
        _endPoint = endPoint;
        // One options object for the whole run: with AllowTlsResume the runtime keeps the session (TLS 1.2) or
        // ticket (TLS 1.3) for this target host and offers it on the next connection; without it every
        // handshake is full.
        _options = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = protocol,
            AllowTlsResume = resume,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
        };
    }

    public async Task HandshakeAsync()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(_endPoint);
        using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(_options);
        if (await ssl.ReadAsync(_buffer) != 1)
        {
            throw new IOException("the server did not send its byte");
        }
    }
}
