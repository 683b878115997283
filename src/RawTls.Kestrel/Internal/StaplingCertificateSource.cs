using RawTls.Certificates;
using RawTls.Hosting.Internal;

namespace RawTls.Kestrel.Internal;

/// <summary>The certificates of the Kestrel stapling set, for the health check.</summary>
internal sealed class StaplingCertificateSource(RawTlsStapling stapling) : ICertificateSource
{
    public CertificateSetStatus? GetStatus() => stapling.IsStarted ? stapling.GetStatus() : null;
}
