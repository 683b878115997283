using System.Net.Sockets;
using RawTls.Diagnostics;
using RawTls.Tests.Infrastructure;
using static RawTls.Tests.Infrastructure.TestServerFactory;

namespace RawTls.Tests.Server;

/// <summary>
/// Clients that never complete a handshake: each gets a clear outcome, is counted with the right reason,
/// and leaves the server able to serve a normal client.
/// </summary>
public class TlsServerBadHandshakeTests
{
    private static readonly TimeSpan ShortHandshake = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Random_bytes_instead_of_a_client_hello_fail_as_protocol_and_are_closed_promptly()
    {
        await using var server = await StartAsync();
        using (var socket = await ConnectRawAsync(server.EndPoint))
        {
            var garbage = new byte[512];
            new Random(42).NextBytes(garbage);
            garbage[0] = 0x42; // not a TLS content type, so never mistaken for a record header
            await socket.SendAsync(garbage, SocketFlags.None);
            var (_, elapsed) = await WaitForServerCloseAsync(socket, TimeSpan.FromSeconds(2));
            Assert.True(elapsed < TimeSpan.FromSeconds(2), $"closed after {elapsed}");
        }

        await server.AssertHandshakeFailedAsync(HandshakeFailureReason.Protocol);
        await AssertEchoRoundTripAsync(server);
        await server.AssertNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task Plain_http_on_the_tls_port_fails_as_protocol_and_is_closed()
    {
        await using var server = await StartAsync();
        using (var socket = await ConnectRawAsync(server.EndPoint))
        {
            await socket.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\nAccept: */*\r\n\r\n"u8.ToArray(), SocketFlags.None);
            var (_, elapsed) = await WaitForServerCloseAsync(socket, TimeSpan.FromSeconds(2));
            Assert.True(elapsed < TimeSpan.FromSeconds(2), $"closed after {elapsed}");
        }

        await server.AssertHandshakeFailedAsync(HandshakeFailureReason.Protocol);
        await AssertEchoRoundTripAsync(server);
        await server.AssertNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task A_truncated_client_hello_is_closed_at_the_handshake_timeout()
    {
        byte[] hello = await CaptureClientHelloAsync();
        await using var server = await StartAsync(o => o.HandshakeTimeout = ShortHandshake);
        using (var socket = await ConnectRawAsync(server.EndPoint))
        {
            // The record header announces the whole ClientHello; send only part of it and keep the socket open.
            await socket.SendAsync(hello.AsMemory(0, hello.Length / 2), SocketFlags.None);
            var (_, elapsed) = await WaitForServerCloseAsync(socket, TimeSpan.FromSeconds(5));
            Assert.InRange(elapsed, ShortHandshake - TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(3));
        }

        await server.AssertHandshakeFailedAsync(HandshakeFailureReason.Timeout);
        await AssertEchoRoundTripAsync(server);
        await server.AssertNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task A_silent_client_is_closed_at_the_handshake_timeout()
    {
        await using var server = await StartAsync(o => o.HandshakeTimeout = ShortHandshake);
        // Timed from before the connect: the server's clock starts at accept, which cannot come earlier, whereas the
        // connect's own completion may reach this test late on a loaded machine.
        var sinceConnect = System.Diagnostics.Stopwatch.StartNew();
        using (var socket = await ConnectRawAsync(server.EndPoint))
        {
            await WaitForServerCloseAsync(socket, TimeSpan.FromSeconds(5));
            Assert.InRange(sinceConnect.Elapsed, ShortHandshake - TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(3));
        }

        await server.AssertHandshakeFailedAsync(HandshakeFailureReason.Timeout);
        await AssertEchoRoundTripAsync(server);
        await server.AssertNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task A_client_that_resets_mid_handshake_is_counted_as_reset()
    {
        byte[] hello = await CaptureClientHelloAsync();
        await using var server = await StartAsync();
        using (var socket = await ConnectRawAsync(server.EndPoint))
        {
            await socket.SendAsync(hello.AsMemory(0, hello.Length / 2), SocketFlags.None);
            await WaitUntilAsync(() => server.Counters.Accepted == 1, "the server accepted the connection");
            socket.LingerState = new LingerOption(true, 0);
            socket.Close(); // RST
        }

        await server.AssertHandshakeFailedAsync(HandshakeFailureReason.Reset);
        Assert.Equal(0, server.Failed(HandshakeFailureReason.ClientClosed));
        await AssertEchoRoundTripAsync(server);
        await server.AssertNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task A_client_that_closes_mid_handshake_is_counted_as_client_closed()
    {
        byte[] hello = await CaptureClientHelloAsync();
        await using var server = await StartAsync();
        using (var socket = await ConnectRawAsync(server.EndPoint))
        {
            await socket.SendAsync(hello.AsMemory(0, hello.Length / 2), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send); // FIN: an orderly end in the middle of the record
            await WaitForServerCloseAsync(socket, TimeSpan.FromSeconds(2));
        }

        await server.AssertHandshakeFailedAsync(HandshakeFailureReason.ClientClosed);
        await AssertEchoRoundTripAsync(server);
        await server.AssertNoActiveConnectionsAsync();
    }
}
