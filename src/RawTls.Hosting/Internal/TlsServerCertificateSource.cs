using RawTls.Certificates;
using RawTls.Server;

namespace RawTls.Hosting.Internal;

/// <summary>The certificates of the hosted <see cref="TlsServer"/>.</summary>
internal sealed class TlsServerCertificateSource(TlsServer server) : ICertificateSource
{
    public CertificateSetStatus? GetStatus() => server.CertificateSet?.GetStatus();
}
