using RawTls.Certificates;

namespace RawTls.Hosting.Internal;

/// <summary>Where the health check reads the served certificates from: a hosted server or the Kestrel integration.</summary>
internal interface ICertificateSource
{
    /// <summary>The served certificates now; empty before start.</summary>
    IReadOnlyList<CertificateHolder> Certificates { get; }
}
