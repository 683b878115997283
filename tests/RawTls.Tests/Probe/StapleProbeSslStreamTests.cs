using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using RawTls.Ocsp;

namespace RawTls.Tests.Probe;

public class StapleProbeSslStreamTests
{
    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Probe_AgainstSslStream_ReportsProtocolAndLeaf_AndNoStaple(SslProtocols protocol)
    {
        using var certificate = ProbeTestPki.CreateSelfSigned();
        var context = SslStreamCertificateContext.Create(certificate, null, offline: true);
        await using var server = new SslStreamTestServer(() => new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = protocol,
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
        });

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.EndPoint).WaitAsync(TimeSpan.FromSeconds(10));
        var options = new StapleProbeOptions { ServerName = "probe.test", Timeout = TimeSpan.FromSeconds(10) };
        options.ApplicationProtocols.Add("http/1.1");

        var result = await StapleProbe.ProbeAsync(tcp.GetStream(), options).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(protocol, result.NegotiatedProtocol);
        Assert.Equal(certificate.RawData, result.ServerCertificateChain[0]);
        Assert.Null(result.OcspResponse);
        Assert.False(result.ResumedSession);
        Assert.Equal("http/1.1", result.ApplicationProtocol);
        if (protocol == SslProtocols.Tls13)
        {
            Assert.Contains(result.CipherSuite, new[] { 0x1301, 0x1302, 0x1303 });
        }
        else
        {
            // ECDHE-ECDSA with AES-GCM or ChaCha20-Poly1305.
            Assert.Contains(result.CipherSuite, new[] { 0xC02B, 0xC02C, 0xCCA9 });
        }

        var seen = await server.NextHandshakeAsync(0);
        Assert.Null(seen.Error);
        Assert.Equal("probe.test", seen.TargetHostName);
        Assert.Equal(SslApplicationProtocol.Http11, seen.Alpn);
    }

    [Fact]
    public async Task Probe_OffersBothVersions_ByDefault_AndCanForceTls12()
    {
        using var certificate = ProbeTestPki.CreateSelfSigned();
        var context = SslStreamCertificateContext.Create(certificate, null, offline: true);
        await using var server = new SslStreamTestServer(() => new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        });

        var both = await StapleProbe.ProbeAsync(server.EndPoint, new StapleProbeOptions()).WaitAsync(TimeSpan.FromSeconds(20));
        var forced = await StapleProbe.ProbeAsync(server.EndPoint, new StapleProbeOptions { Protocols = SslProtocols.Tls12 })
            .WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(SslProtocols.Tls13, both.NegotiatedProtocol);
        Assert.Equal(SslProtocols.Tls12, forced.NegotiatedProtocol);
        Assert.Null((await server.NextHandshakeAsync(0)).Error);
        Assert.Null((await server.NextHandshakeAsync(1)).Error);
    }

    [Fact]
    public async Task Probe_ReturnsWholeChain_LeafFirst()
    {
        var (ca, leaf) = ProbeTestPki.CreateCaAndLeaf();
        using (ca)
        using (leaf)
        {
            var context = SslStreamCertificateContext.Create(leaf, [ca], offline: true);
            await using var server = new SslStreamTestServer(() => new SslServerAuthenticationOptions
            {
                ServerCertificateContext = context,
                EnabledSslProtocols = SslProtocols.Tls13,
            });

            var result = await StapleProbe.ProbeAsync(server.EndPoint, new StapleProbeOptions()).WaitAsync(TimeSpan.FromSeconds(20));

            Assert.Equal(leaf.RawData, result.ServerCertificateChain[0]);
            Assert.Null(result.OcspResponse);
        }
    }
}
