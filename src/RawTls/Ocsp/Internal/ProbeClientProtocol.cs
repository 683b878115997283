using Org.BouncyCastle.Tls;

namespace RawTls.Ocsp.Internal;

/// <summary>
/// Non-blocking BouncyCastle client that also keeps the raw body of a TLS 1.2 CertificateStatus message,
/// so the staple is returned as it was on the wire rather than as BouncyCastle re-encodes it.
/// </summary>
internal sealed class ProbeClientProtocol : TlsClientProtocol
{
    /// <summary>The CertificateStatus handshake message body (TLS 1.2 only), if the server sent one.</summary>
    public byte[]? CertificateStatusBody { get; private set; }

    protected override void HandleHandshakeMessage(short type, HandshakeMessageInput buf)
    {
        if (type == HandshakeType.certificate_status && CertificateStatusBody is null)
        {
            var start = buf.Position;
            var body = new byte[buf.Length - start];
            buf.ReadExactly(body);
            buf.Position = start;
            CertificateStatusBody = body;
        }

        base.HandleHandshakeMessage(type, buf);
    }
}
