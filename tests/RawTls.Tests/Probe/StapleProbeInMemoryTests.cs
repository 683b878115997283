using System.Diagnostics;
using System.Net.Security;
using System.Security.Authentication;
using RawTls.Ocsp;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Probe;

/// <summary>The probe over non-socket streams, as in the server's startup self-check.</summary>
public class StapleProbeInMemoryTests
{
    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Probe_OverInMemoryPipes_AgainstSslStream(SslProtocols protocol)
    {
        using var certificate = TestPki.SelfSigned();
        var context = SslStreamCertificateContext.Create(certificate, null, offline: true);
        var (clientEnd, serverEnd) = RawTls.Ocsp.Internal.InMemoryDuplexStream.CreatePair();
        await using var client = clientEnd;
        await using var ssl = new SslStream(serverEnd, leaveInnerStreamOpen: false);
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var serverSide = ssl.AuthenticateAsServerAsync(
            new SslServerAuthenticationOptions { ServerCertificateContext = context, EnabledSslProtocols = protocol },
            budget.Token);
        var result = await StapleProbe.ProbeAsync(client, new StapleProbeOptions(), budget.Token).WaitAsync(budget.Token);
        await serverSide.WaitAsync(budget.Token);

        Assert.Equal(protocol, result.NegotiatedProtocol);
        Assert.Equal(certificate.RawData, result.ServerCertificateChain[0]);
        Assert.Null(result.OcspResponse);

        // The probe's close_notify reaches the server as a clean end of stream.
        Assert.Equal(0, await ssl.ReadAsync(new byte[16], budget.Token).AsTask().WaitAsync(budget.Token));
    }

    [Fact]
    public async Task Probe_OverStreamIgnoringCancellation_StillTimesOut()
    {
        await using var deaf = new DeafStream();
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAsync<TimeoutException>(
            () => StapleProbe.ProbeAsync(deaf, new StapleProbeOptions { Timeout = TimeSpan.FromMilliseconds(200) })
                .WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }
}
