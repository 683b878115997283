using System.Net.Security;
using System.Reflection;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RawTls.Ocsp;
using RawTls.Tests.Infrastructure;
using RawTls.Tests.Ocsp;

namespace RawTls.Tests.Probe;

/// <summary>
/// Checks the idea the library's stapling adapter is built on: preset the private OCSP cache of an
/// <see cref="SslStreamCertificateContext"/> before its first handshake, and .NET staples exactly those bytes.
/// Reflection here is a test-only stand-in for the adapter.
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

    /// <summary>A context for <paramref name="leaf"/> that staples exactly <paramref name="staple"/>.</summary>
    internal static SslStreamCertificateContext CreateStaplingContext(
        X509Certificate2 leaf,
        X509Certificate2 issuer,
        byte[] staple)
    {
        var context = SslStreamCertificateContext.Create(leaf, [issuer], offline: true);
        SetField(context, "_staplingForbidden", false);
        SetField(context, "_ocspUrls", new List<string> { "http://127.0.0.1/" });
        SetField(context, "_pendingDownload", new TaskCompletionSource<byte[]?>().Task);
        SetField(context, "_ocspResponse", staple);
        SetField(context, "_ocspExpiration", DateTimeOffset.UtcNow.AddHours(1));
        SetField(context, "_nextDownload", DateTimeOffset.MaxValue);
        return context;
    }

    private static void SetField(SslStreamCertificateContext context, string name, object? value)
    {
        var field = typeof(SslStreamCertificateContext).GetField(name, BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new MissingFieldException(nameof(SslStreamCertificateContext), name);
        field.SetValue(context, value);
    }
}
