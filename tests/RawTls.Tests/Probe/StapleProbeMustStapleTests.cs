using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RawTls.Ocsp;
using RawTls.Tests.Infrastructure;
using RawTls.Tests.Ocsp;

namespace RawTls.Tests.Probe;

/// <summary>
/// Servers whose leaf carries the TLS Feature (Must-Staple) extension: the probe validates nothing, so it must
/// complete the handshake and report exactly the staple sent, or null, in TLS 1.2 and TLS 1.3 alike.
/// </summary>
public class StapleProbeMustStapleTests
{
    private const int StatusRequest = 5;

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task SslStream_MustStapleLeaf_WithStaple_ReportsItExactly(SslProtocols protocol)
    {
        using var pki = TestPki.Ca(mustStaple: true);
        X509Certificate2 ca = pki.Intermediate, leaf = pki.Leaf;
        AssertMustStaple(leaf);
        var staple = OcspVectors.Bytes(OcspVectors.GtsGoodResponse);
        var context = SslStreamPrivateStapleTests.CreateStaplingContext(leaf, ca, staple);
        await using var server = new SslStreamTestServer(() => new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = protocol,
        });

        var (result, serverHello) = await ProbeCapturingAsync(server.EndPoint, new StapleProbeOptions());

        Assert.Equal(protocol, result.NegotiatedProtocol);
        Assert.Equal(leaf.RawData, result.ServerCertificateChain[0]);
        Assert.Equal(staple, result.OcspResponse);
        if (protocol == SslProtocols.Tls12)
        {
            // SslStream (OpenSSL) does acknowledge status_request in a TLS 1.2 ServerHello when it staples.
            Assert.Contains(StatusRequest, serverHello);
        }

        Assert.Null((await server.NextHandshakeAsync(0)).Error);
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task SslStream_MustStapleLeaf_WithoutStaple_ReportsNull(SslProtocols protocol)
    {
        // No AIA and an offline context: SslStream has nothing to staple.
        using var certificate = TestPki.SelfSignedWithTlsFeature(TestPki.MustStapleValue);
        AssertMustStaple(certificate);
        var context = SslStreamCertificateContext.Create(certificate, null, offline: true);
        await using var server = new SslStreamTestServer(() => new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = protocol,
        });

        var (result, serverHello) = await ProbeCapturingAsync(server.EndPoint, new StapleProbeOptions());

        Assert.Equal(protocol, result.NegotiatedProtocol);
        Assert.Equal(certificate.RawData, result.ServerCertificateChain[0]);
        Assert.Null(result.OcspResponse);
        if (protocol == SslProtocols.Tls12)
        {
            // The RFC 7633 violation the probe must report rather than refuse: requested, Must-Staple, not acknowledged.
            Assert.DoesNotContain(StatusRequest, serverHello);
        }

        Assert.Null((await server.NextHandshakeAsync(0)).Error);
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task SslStream_MustStapleLeaf_StatusNotRequested_ReportsNull(SslProtocols protocol)
    {
        using var pki = TestPki.Ca(mustStaple: true);
        X509Certificate2 ca = pki.Intermediate, leaf = pki.Leaf;
        var context = SslStreamPrivateStapleTests.CreateStaplingContext(leaf, ca, OcspVectors.Bytes(OcspVectors.GtsGoodResponse));
        await using var server = new SslStreamTestServer(() => new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = protocol,
        });

        var result = await StapleProbe.ProbeAsync(server.EndPoint, new StapleProbeOptions { RequestStatus = false })
            .WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(protocol, result.NegotiatedProtocol);
        Assert.Null(result.OcspResponse);
    }

    [Theory]
    [InlineData("-tls1_2", SslProtocols.Tls12, true)]
    [InlineData("-tls1_3", SslProtocols.Tls13, true)]
    [InlineData("-tls1_2", SslProtocols.Tls12, false)]
    [InlineData("-tls1_3", SslProtocols.Tls13, false)]
    public async Task OpenSsl_MustStapleLeaf_ReportsStapleExactly_OrNull(string versionFlag, SslProtocols expected, bool staple)
    {
        Assert.True(OpenSslTestServer.IsAvailable(), "openssl is required for this test");
        using var certificate = TestPki.SelfSignedWithTlsFeature(TestPki.MustStapleValue);
        var statusFile = staple ? OcspVectors.PathOf("gts-good-response.der") : null;
        using var server = await OpenSslTestServer.StartAsync(certificate, statusFile, versionFlag);

        var (result, serverHello) = await ProbeCapturingAsync(server.EndPoint, new StapleProbeOptions { ServerName = "probe.test" });

        Assert.Equal(expected, result.NegotiatedProtocol);
        Assert.Equal(certificate.RawData, result.ServerCertificateChain[0]);
        Assert.Equal(staple ? OcspVectors.Bytes(OcspVectors.GtsGoodResponse) : null, result.OcspResponse);
        if (expected == SslProtocols.Tls12)
        {
            Assert.Equal(staple, serverHello.Contains(StatusRequest));
        }
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task SslStream_MalformedTlsFeature_IsNotJudged(SslProtocols protocol)
    {
        // Features ::= SEQUENCE OF INTEGER, here holding an OCTET STRING: BouncyCastle's own check calls it bad_certificate.
        using var certificate = TestPki.SelfSignedWithTlsFeature([0x30, 0x03, 0x04, 0x01, 0x05]);
        var context = SslStreamCertificateContext.Create(certificate, null, offline: true);
        await using var server = new SslStreamTestServer(() => new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = protocol,
        });

        var result = await StapleProbe.ProbeAsync(server.EndPoint, new StapleProbeOptions()).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(protocol, result.NegotiatedProtocol);
        Assert.Equal(certificate.RawData, result.ServerCertificateChain[0]);
        Assert.Null(result.OcspResponse);
    }

    private static void AssertMustStaple(X509Certificate2 certificate)
    {
        var feature = certificate.Extensions[TestPki.TlsFeatureOid];
        Assert.NotNull(feature);
        Assert.Equal(TestPki.MustStapleValue, feature.RawData);
    }

    // Probes over a fresh connection and returns the extension types of the server's ServerHello as well.
    private static async Task<(StapleProbeResult Result, HashSet<int> ServerHello)> ProbeCapturingAsync(
        IPEndPoint endPoint, StapleProbeOptions options)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint).WaitAsync(TimeSpan.FromSeconds(10));
        await using var capture = new ServerHelloCapture(tcp.GetStream());
        var result = await StapleProbe.ProbeAsync(capture, options).WaitAsync(TimeSpan.FromSeconds(20));
        return (result, capture.ServerHelloExtensionTypes());
    }
}
