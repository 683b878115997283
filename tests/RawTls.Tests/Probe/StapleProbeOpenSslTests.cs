using System.Security.Authentication;
using RawTls.Ocsp;
using RawTls.Tests.Infrastructure;
using RawTls.Tests.Ocsp;

namespace RawTls.Tests.Probe;

/// <summary>Staple round trips against <c>openssl s_server -status_file</c>, with no RawTls server code involved.</summary>
public class StapleProbeOpenSslTests
{
    [Theory]
    [InlineData("-tls1_2", SslProtocols.Tls12)]
    [InlineData("-tls1_3", SslProtocols.Tls13)]
    public async Task Probe_ReadsStapleExactly(string versionFlag, SslProtocols expected)
    {
        Assert.True(OpenSslTestServer.IsAvailable(), "openssl is required for this test");
        using var certificate = TestPki.SelfSigned();
        var statusFile = OcspVectors.PathOf("gts-good-response.der");
        using var server = await OpenSslTestServer.StartAsync(certificate, statusFile, versionFlag);

        var result = await StapleProbe.ProbeAsync(server.EndPoint, new StapleProbeOptions { ServerName = "probe.test" })
            .WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(expected, result.NegotiatedProtocol);
        Assert.Equal(certificate.RawData, result.ServerCertificateChain[0]);
        Assert.NotNull(result.OcspResponse);
        Assert.Equal(OcspVectors.Bytes(OcspVectors.GtsGoodResponse), result.OcspResponse);
    }

    [Theory]
    [InlineData("-tls1_2")]
    [InlineData("-tls1_3")]
    public async Task Probe_WithoutStatusRequest_GetsNoStaple(string versionFlag)
    {
        Assert.True(OpenSslTestServer.IsAvailable(), "openssl is required for this test");
        using var certificate = TestPki.SelfSigned();
        var statusFile = OcspVectors.PathOf("gts-good-response.der");
        using var server = await OpenSslTestServer.StartAsync(certificate, statusFile, versionFlag);

        var result = await StapleProbe.ProbeAsync(server.EndPoint, new StapleProbeOptions { RequestStatus = false })
            .WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Null(result.OcspResponse);
    }

    [Fact]
    public async Task Probe_WithoutStatusFile_GetsNoStaple()
    {
        Assert.True(OpenSslTestServer.IsAvailable(), "openssl is required for this test");
        using var certificate = TestPki.SelfSigned();
        using var server = await OpenSslTestServer.StartAsync(certificate, null, "-tls1_3");

        var result = await StapleProbe.ProbeAsync(server.EndPoint, new StapleProbeOptions()).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(SslProtocols.Tls13, result.NegotiatedProtocol);
        Assert.Null(result.OcspResponse);
    }

    [Fact]
    public async Task CheckResumption_Tls12_ResumesSession()
    {
        Assert.True(OpenSslTestServer.IsAvailable(), "openssl is required for this test");
        using var certificate = TestPki.SelfSigned();
        var statusFile = OcspVectors.PathOf("gts-good-response.der");
        using var server = await OpenSslTestServer.StartAsync(certificate, statusFile, "-tls1_2");

        var result = await StapleProbe.ProbeAsync(server.EndPoint, new StapleProbeOptions { CheckResumption = true })
            .WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(result.ResumptionChecked);
        Assert.True(result.ResumedSession);
        Assert.Equal(OcspVectors.Bytes(OcspVectors.GtsGoodResponse), result.OcspResponse);
    }
}
