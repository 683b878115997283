using RawTls.Certificates;

namespace RawTls.Hosting.Internal;

/// <summary>Where the health check reads the certificates' state from: a hosted server or the Kestrel integration.</summary>
internal interface ICertificateSource
{
    /// <summary>Every certificate's state now, or null before start.</summary>
    CertificateSetStatus? GetStatus();
}
