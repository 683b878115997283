using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RawTls.Ocsp;

namespace RawTls.Tests.Probe;

public class StapleProbeFailureTests
{
    [Fact]
    public async Task SilentServer_TimesOutWithinBudget()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accept = listener.AcceptTcpClientAsync();

        var clock = Stopwatch.StartNew();
        var options = new StapleProbeOptions { Timeout = TimeSpan.FromMilliseconds(300) };
        var error = await Assert.ThrowsAsync<TimeoutException>(
            () => StapleProbe.ProbeAsync((IPEndPoint)listener.LocalEndpoint, options).WaitAsync(TimeSpan.FromSeconds(10)));
        clock.Stop();

        Assert.Contains("did not complete within", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        using var accepted = await accept.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task SilentServer_OverStream_TimesOut()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync((IPEndPoint)listener.LocalEndpoint).WaitAsync(TimeSpan.FromSeconds(10));
        using var accepted = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var options = new StapleProbeOptions { Timeout = TimeSpan.FromMilliseconds(300) };
        await Assert.ThrowsAsync<TimeoutException>(
            () => StapleProbe.ProbeAsync(tcp.GetStream(), options).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Cancellation_IsReportedAsCancellation_NotTimeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => StapleProbe.ProbeAsync((IPEndPoint)listener.LocalEndpoint, new StapleProbeOptions(), cts.Token)
                .WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ServerHangingUp_FailsWithProbeException()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var hangUp = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));
            var buffer = new byte[512];
            _ = await client.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        });

        var error = await Assert.ThrowsAsync<StapleProbeException>(
            () => StapleProbe.ProbeAsync((IPEndPoint)listener.LocalEndpoint, new StapleProbeOptions())
                .WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("closed the connection", error.Message, StringComparison.Ordinal);
        await hangUp.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task UnsupportedVersion_IsRejectedUpFront()
    {
#pragma warning disable SYSLIB0039, CA5397 // Deliberately asking for an obsolete version.
        var options = new StapleProbeOptions { Protocols = System.Security.Authentication.SslProtocols.Tls11 };
#pragma warning restore SYSLIB0039, CA5397
        await Assert.ThrowsAsync<ArgumentException>(
            () => StapleProbe.ProbeAsync(new IPEndPoint(IPAddress.Loopback, 1), options));
    }
}
