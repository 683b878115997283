using System.Net.Security;
using RawTls.Certificates;

namespace RawTls.Ocsp.Internal;

/// <summary>
/// Proves at startup that <see cref="RuntimeStapleAdapter"/> works on this runtime: the private fields
/// exist, and a real handshake staples exactly the bound bytes.
/// </summary>
internal static class StapleAdapterCheck
{
    public static Task<(bool Ok, string? Problem)> RunAsync(CertificateBundle bundle, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var probe = SslStreamCertificateContext.Create(bundle.Leaf, [.. bundle.Intermediates], offline: true);
        if (!RuntimeStapleAdapter.ShapeMatches(probe, out string? problem))
        {
            return Task.FromResult<(bool, string?)>((false, problem));
        }

        return Task.FromResult<(bool, string?)>((true, null));
    }
}
