using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using RawTls.Ocsp;

namespace RawTls.Certificates;

/// <summary>
/// What a handshake is served with: a certificate chain, its runtime context and the OCSP staple bound to it.
/// Immutable once published: a refresh builds a new context and swaps it in with one atomic write, so a
/// handshake always sees a matching certificate and staple.
/// </summary>
public sealed class StapledCertificateContext
{
    internal StapledCertificateContext(CertificateBundle bundle, SslStreamCertificateContext context, OcspStaple? staple, DateTimeOffset staplesUntil, long version, DateTimeOffset createdAt)
    {
        Bundle = bundle;
        SslContext = context;
        Staple = staple;
        StapleServedUntil = staplesUntil;
        Version = version;
        CreatedAt = createdAt;
    }

    internal CertificateBundle Bundle { get; }

    /// <summary>The leaf certificate (with its private key).</summary>
    public X509Certificate2 Leaf => Bundle.Leaf;

    /// <summary>The intermediates sent with the leaf.</summary>
    public IReadOnlyList<X509Certificate2> Intermediates => Bundle.Intermediates;

    /// <summary>The leaf's issuer, when known.</summary>
    public X509Certificate2? Issuer => Bundle.Issuer;

    /// <summary>The runtime context handed to <see cref="SslStream"/>.</summary>
    public SslStreamCertificateContext SslContext { get; }

    /// <summary>The staple served with this context, or null when handshakes go unstapled.</summary>
    public OcspStaple? Staple { get; }

    /// <summary>After this instant the runtime stops sending <see cref="Staple"/> even if no refresh arrived.</summary>
    public DateTimeOffset StapleServedUntil { get; }

    /// <summary>Increases with every context published for the same certificate slot.</summary>
    public long Version { get; }

    /// <summary>When the context was built.</summary>
    public DateTimeOffset CreatedAt { get; }
}
