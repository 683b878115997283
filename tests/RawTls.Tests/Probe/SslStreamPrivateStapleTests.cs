using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RawTls.Internal.Runtime;
using RawTls.Ocsp;
using RawTls.Stapling.Internal;
using RawTls.Tests.Infrastructure;
using RawTls.Tests.Ocsp;

namespace RawTls.Tests.Probe;

/// <summary>
/// Checks what the library's stapling adapter (<see cref="RuntimeStapleAdapter.Bind"/>) promises: a context it bound
/// before its first handshake staples exactly those bytes, to every client that asks, and to no other.
/// </summary>
public class SslStreamPrivateStapleTests
{
    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task PresetPrivateOcspFields_AreStapledVerbatim(SslProtocols protocol)
    {
        using var pki = TestPki.Ca();
        X509Certificate2 ca = pki.Intermediate, leaf = pki.Leaf;
        var staple = OcspVectors.Bytes(OcspVectors.GtsGoodResponse);
        var context = CreateStaplingContext(leaf, ca, staple);

        await using var server = new SslStreamTestServer(() => new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = protocol,
        });

        var first = await StapleProbe.ProbeAsync(server.EndPoint, new StapleProbeOptions()).WaitAsync(TimeSpan.FromSeconds(20));
        var second = await StapleProbe.ProbeAsync(server.EndPoint, new StapleProbeOptions()).WaitAsync(TimeSpan.FromSeconds(20));
        var unrequested = await StapleProbe.ProbeAsync(server.EndPoint, new StapleProbeOptions { RequestStatus = false })
            .WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(protocol, first.NegotiatedProtocol);
        Assert.Equal(leaf.RawData, first.ServerCertificateChain[0]);
        Assert.Equal(staple, first.OcspResponse);
        Assert.Equal(staple, second.OcspResponse);
        Assert.Null(unrequested.OcspResponse);
        Assert.Null((await server.NextHandshakeAsync(0)).Error);
    }

    /// <summary>A context for <paramref name="leaf"/> that staples exactly <paramref name="staple"/>, bound by the library's own adapter.</summary>
    internal static SslStreamCertificateContext CreateStaplingContext(
        X509Certificate2 leaf,
        X509Certificate2 issuer,
        byte[] staple)
    {
        var context = SslStreamCertificateContext.Create(leaf, [issuer], offline: true);
        RuntimeStapleAdapter.Bind(context, staple, DateTimeOffset.UtcNow.AddHours(1));
        return context;
    }
}
