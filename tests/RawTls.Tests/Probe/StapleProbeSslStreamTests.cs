using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RawTls.Ocsp;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Probe;

public class StapleProbeSslStreamTests
{
    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Probe_AgainstSslStream_ReportsProtocolAndLeaf_AndNoStaple(SslProtocols protocol)
    {
        using var certificate = TestPki.SelfSigned();
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
        using var certificate = TestPki.SelfSigned();
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
        using var pki = TestPki.Ca();
        X509Certificate2 ca = pki.Intermediate, leaf = pki.Leaf;
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

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Probe_HandlesRsaServerCertificate(SslProtocols protocol)
    {
        using var certificate = TestPki.SelfSignedRsa();
        var context = SslStreamCertificateContext.Create(certificate, null, offline: true);
        await using var server = new SslStreamTestServer(() => new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = protocol,
        });

        var result = await StapleProbe.ProbeAsync(server.EndPoint, new StapleProbeOptions()).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(protocol, result.NegotiatedProtocol);
        Assert.Equal(certificate.RawData, result.ServerCertificateChain[0]);
        if (protocol == SslProtocols.Tls12)
        {
            // ECDHE-RSA with AES-GCM or ChaCha20-Poly1305.
            Assert.Contains(result.CipherSuite, new[] { 0xC02F, 0xC030, 0xCCA8 });
        }
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task CheckResumption_ThroughConnectFactory(SslProtocols protocol)
    {
        using var certificate = TestPki.SelfSigned();
        var context = SslStreamCertificateContext.Create(certificate, null, offline: true);
        await using var server = new SslStreamTestServer(() => new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = protocol,
        });

        var connections = 0;
        var result = await StapleProbe.ProbeAsync(
            async ct =>
            {
                connections++;
                var tcp = new TcpClient();
                await tcp.ConnectAsync(server.EndPoint, ct);
                return (Stream)tcp.GetStream();
            },
            "test server",
            new StapleProbeOptions { CheckResumption = true, ServerName = "probe.test" }).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(protocol, result.NegotiatedProtocol);
        if (protocol == SslProtocols.Tls12)
        {
            // SslStream (OpenSSL underneath) resumes TLS 1.2 sessions by session id.
            Assert.Equal(2, connections);
            Assert.True(result.ResumptionChecked);
            Assert.True(result.ResumedSession);
        }
        else
        {
            // BouncyCastle's client keeps no TLS 1.3 tickets, so there is nothing to offer and no second connection.
            Assert.Equal(1, connections);
            Assert.False(result.ResumptionChecked);
            Assert.False(result.ResumedSession);
        }
    }
}
