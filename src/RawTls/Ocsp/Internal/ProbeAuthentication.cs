using Org.BouncyCastle.Tls;

namespace RawTls.Ocsp.Internal;

/// <summary>Accepts any server certificate and keeps it: the probe reports, validation happens elsewhere.</summary>
internal sealed class ProbeAuthentication : TlsAuthentication
{
    public TlsServerCertificate? ServerCertificate { get; private set; }

    public void NotifyServerCertificate(TlsServerCertificate serverCertificate) => ServerCertificate = serverCertificate;

    // No client certificate: a server that demands one gets an empty Certificate message.
    public TlsCredentials GetClientCredentials(CertificateRequest certificateRequest) => null!;
}
