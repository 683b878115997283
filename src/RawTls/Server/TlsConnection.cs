using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RawTls.Certificates;

namespace RawTls.Server;

/// <summary>
/// An authenticated TLS connection handed to a <see cref="TlsConnectionHandler"/>. The object is valid only
/// until the handler's task completes; the server then closes the connection.
/// </summary>
public abstract class TlsConnection
{
    /// <summary>A process-unique, increasing connection id (for logs).</summary>
    public abstract long Id { get; }

    /// <summary>Decrypted application data: read requests from <see cref="IDuplexPipe.Input"/>, write answers to <see cref="IDuplexPipe.Output"/>.</summary>
    public abstract IDuplexPipe Transport { get; }

    /// <summary>
    /// The client's address. Behind a balancer that sends a PROXY header (see <see cref="ListenOptions.ProxyProtocol"/>)
    /// it is the address the header names; the balancer's own address is <see cref="ProxyEndPoint"/>.
    /// </summary>
    public abstract EndPoint? RemoteEndPoint { get; }

    /// <summary>The balancer's address when the connection began with an accepted PROXY header; null otherwise.</summary>
    public abstract EndPoint? ProxyEndPoint { get; }

    /// <summary>What the PROXY header said (version, addresses, the ALPN and authority TLVs), or null when there was none.</summary>
    public abstract ProxyProtocolInfo? ProxyProtocol { get; }

    /// <summary>The listener address the client connected to.</summary>
    public abstract EndPoint? LocalEndPoint { get; }

    /// <summary>The negotiated TLS version.</summary>
    public abstract SslProtocols Protocol { get; }

    /// <summary>The negotiated cipher suite.</summary>
    public abstract TlsCipherSuite CipherSuite { get; }

    /// <summary>The ALPN protocol agreed on, or <c>default</c> when none was.</summary>
    public abstract SslApplicationProtocol ApplicationProtocol { get; }

    /// <summary>The server name the client asked for (SNI), or null when it sent none.</summary>
    public abstract string? ServerName { get; }

    /// <summary>The client certificate, when one was requested and sent.</summary>
    public abstract X509Certificate2? RemoteCertificate { get; }

    /// <summary>The stapled certificate context this connection was served with (certificate and staple).</summary>
    public abstract StapledCertificateContext Certificate { get; }

    /// <summary>Fires when the connection is aborted or the server stops waiting for it.</summary>
    public abstract CancellationToken ConnectionClosed { get; }

    /// <summary>Fires when the server begins a graceful stop: finish the current exchange and return.</summary>
    public abstract CancellationToken ServerStopping { get; }

    /// <summary>Closes the connection at once (no TLS close_notify).</summary>
    public abstract void Abort();
}
