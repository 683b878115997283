using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using RawTls.Ocsp;

namespace RawTls.Tests.Probe;

/// <summary>What the probe puts on the wire, read from its ClientHello.</summary>
public class StapleProbeClientHelloTests
{
    private const int ServerName = 0;
    private const int StatusRequest = 5;
    private const int Alpn = 16;
    private const int SupportedVersions = 43;

    [Fact]
    public async Task ClientHello_CarriesPlainOcspStatusRequest_Sni_Alpn_AndBothVersions()
    {
        var options = new StapleProbeOptions { ServerName = "probe.test" };
        options.ApplicationProtocols.Add("h2");
        var extensions = await CaptureAsync(options);

        // status_type ocsp(1), empty responder_id_list, empty request_extensions.
        Assert.Equal(new byte[] { 1, 0, 0, 0, 0 }, extensions[StatusRequest]);
        Assert.Equal([0, 13, 0, 0, 10, .. "probe.test"u8.ToArray()], extensions[ServerName]);
        Assert.Equal([0, 3, 2, .. "h2"u8.ToArray()], extensions[Alpn]);
        Assert.Equal(new byte[] { 4, 3, 4, 3, 3 }, extensions[SupportedVersions]);
    }

    [Fact]
    public async Task ClientHello_HonoursOptions_NoStatus_NoSniForIpLiteral_Tls13Only()
    {
        var options = new StapleProbeOptions
        {
            ServerName = "127.0.0.1",
            RequestStatus = false,
            Protocols = SslProtocols.Tls13,
        };
        var extensions = await CaptureAsync(options);

        Assert.False(extensions.ContainsKey(StatusRequest));
        Assert.False(extensions.ContainsKey(ServerName));
        Assert.False(extensions.ContainsKey(Alpn));
        Assert.Equal(new byte[] { 2, 3, 4 }, extensions[SupportedVersions]);
    }

    private static async Task<Dictionary<int, byte[]>> CaptureAsync(StapleProbeOptions options)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var capture = ClientHelloCapture.ReadFirstRecordAsync(listener);

        // The capture hangs up after the ClientHello, so the probe itself must fail.
        await Assert.ThrowsAsync<StapleProbeException>(
            () => StapleProbe.ProbeAsync(ClientHelloCapture.EndPoint(listener), options).WaitAsync(TimeSpan.FromSeconds(10)));
        return ClientHelloCapture.Extensions(await capture);
    }
}
