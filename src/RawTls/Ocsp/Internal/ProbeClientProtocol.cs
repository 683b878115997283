using Org.BouncyCastle.Tls;

namespace RawTls.Ocsp.Internal;

/// <summary>
/// Non-blocking BouncyCastle client that also keeps the raw body of a TLS 1.2 CertificateStatus message,
/// so the staple is returned as it was on the wire rather than as BouncyCastle re-encodes it, and that does not
/// enforce the server certificate's TLS Feature (Must-Staple) extension.
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

    /// <summary>
    /// Hands the server's certificate to the key exchange and to <see cref="ProbeAuthentication"/> exactly as
    /// BouncyCastle 2.7's TlsUtilities.ProcessServerCertificate does, minus its CheckTlsFeatures call.
    /// </summary>
    /// <remarks>
    /// CheckTlsFeatures is the RFC 7633 client check: if the leaf has a TLS Feature (Must-Staple) extension, every
    /// listed extension the client offered must appear in the server's extensions, else certificate_unknown; a
    /// malformed TLS Feature extension gives bad_certificate. That is certificate validation, which the probe must not
    /// do: a Must-Staple server that staples nothing is a result for the caller, not a reason to abort. It is also
    /// wrong for TLS 1.3: BouncyCastle compares against EncryptedExtensions, but status_request never goes there
    /// (RFC 8446 §4.4.2.1 puts it in the CertificateEntry), so every Must-Staple leaf failed over TLS 1.3 whether
    /// stapled or not. The staple itself is still read from the wire as before. This mirrors BouncyCastle internals:
    /// re-check it against TlsUtilities.ProcessServerCertificate when upgrading BouncyCastle (the Must-Staple probe
    /// tests fail if the check comes back).
    /// </remarks>
    protected override void HandleServerCertificate()
    {
        if (m_authentication is null)
        {
            // No Certificate message (a TLS 1.2 suite without one, which the probe never offers): no leaf, no check.
            base.HandleServerCertificate();
            return;
        }

        var parameters = Context.SecurityParameters;
        var certificate = parameters.PeerCertificate;
        if (!TlsUtilities.IsTlsV13(parameters.NegotiatedVersion))
        {
            // Takes the key that verifies ServerKeyExchange; TLS 1.3 uses CertificateVerify instead.
            m_keyExchange.ProcessServerCertificate(certificate);
        }

        m_authentication.NotifyServerCertificate(new ServerCertificate(certificate, m_certificateStatus));
    }

    private sealed class ServerCertificate(Certificate certificate, CertificateStatus? status) : TlsServerCertificate
    {
        public Certificate Certificate => certificate;

        public CertificateStatus CertificateStatus => status!;
    }
}
