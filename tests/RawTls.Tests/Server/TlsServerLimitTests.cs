using System.Diagnostics;
using System.Net.Sockets;
using RawTls.Diagnostics;
using RawTls.Tests.Infrastructure;
using static RawTls.Tests.Infrastructure.TestServerFactory;

namespace RawTls.Tests.Server;

/// <summary>Floods of idle connections beyond the connection and handshake limits.</summary>
public class TlsServerLimitTests
{
    [Fact]
    public async Task Idle_connections_over_the_connection_limit_are_refused_promptly_and_counted()
    {
        const int limit = 50;
        const int total = 1_050;
        var handshakeTimeout = TimeSpan.FromSeconds(3);
        await using var server = await StartAsync(o =>
        {
            o.MaxConcurrentConnections = limit;
            o.HandshakeTimeout = handshakeTimeout;
            o.ListenBacklog = 2_048;
        });

        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var sockets = new Socket[total];
        try
        {
            var watch = Stopwatch.StartNew();
            // Blocking connects on one thread: on loopback each returns at the SYN-ACK, so the flood arrives
            // faster than a thread pool full of connect continuations would deliver it.
            var connects = await Task.Factory.StartNew(
                () =>
                {
                    var refused = new Task<bool>[total];
                    for (int i = 0; i < total; i++)
                    {
                        sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                        refused[i] = Task.FromResult(ConnectOrRefused(sockets[i], server));
                    }

                    return refused;
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default).WaitAsync(DefaultWait);
            TimeSpan connected = watch.Elapsed;
            Assert.True(connected < handshakeTimeout / 2, $"connecting took {connected}: the counts below assume no handshake timed out yet");

            // Every refused socket sees a reset (or EOF) promptly; the accepted ones stay open until their handshake times out.
            using var readWindow = new CancellationTokenSource(handshakeTimeout - connected - TimeSpan.FromMilliseconds(500));
            var reads = sockets.Select((s, i) => connects[i].Result ? Task.FromResult(true) : ReadUntilClosedOrCanceledAsync(s, readWindow.Token)).ToArray();
            await WaitUntilAsync(() => reads.Count(r => r.IsCompleted && r.Result) >= total - limit, "the extra connections were refused", handshakeTimeout);
            Assert.True(watch.Elapsed < handshakeTimeout, $"refusals took {watch.Elapsed}");
            await Task.WhenAll(reads);
            Assert.Equal(total - limit, reads.Count(r => r.Result));

            Assert.Equal(total - limit, server.Counters.Rejected);
            Assert.Equal(total - limit, server.Recorded.Sum("rawtls.connections.rejected", "connection_limit"));
            Assert.Equal(limit, server.Counters.Accepted);

            long heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
            Assert.True(heapGrowth < 16 * 1024 * 1024, $"managed heap grew by {heapGrowth / 1024} KiB");

            // The accepted ones time out; then a normal client gets in.
            await server.AssertHandshakeFailedAsync(HandshakeFailureReason.Timeout, limit);
            await server.AssertNoActiveConnectionsAsync();
            await AssertEchoRoundTripAsync(server);
            await server.AssertNoActiveConnectionsAsync();
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket?.Dispose();
            }
        }
    }

    [Fact]
    public async Task Idle_connections_over_the_handshake_limit_are_refused_with_reason_handshake_limit()
    {
        const int limit = 5;
        const int total = 20;
        await using var server = await StartAsync(o =>
        {
            o.MaxConcurrentHandshakes = limit;
            o.HandshakeTimeout = TimeSpan.FromSeconds(1);
        });
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < total; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await ConnectOrRefusedAsync(socket, server);
            }

            await WaitUntilAsync(() => server.Counters.Rejected == total - limit && server.Recorded.Sum("rawtls.connections.rejected", "handshake_limit") == total - limit, $"{total - limit} refusals counted and recorded", context: () => $"counter {server.Counters.Rejected}, meter {server.Recorded.Sum("rawtls.connections.rejected", "handshake_limit")}");
            Assert.Equal(total - limit, server.Recorded.Sum("rawtls.connections.rejected", "handshake_limit"));
            await server.AssertHandshakeFailedAsync(HandshakeFailureReason.Timeout, limit);
            await server.AssertNoActiveConnectionsAsync();

            // The handshake slots were all given back.
            await AssertEchoRoundTripAsync(server);
            await Task.WhenAll(Enumerable.Range(0, limit).Select(_ => AssertEchoRoundTripAsync(server)));
            await server.AssertNoActiveConnectionsAsync();
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>Connects; true when the server's refusal (a reset) already showed as the connect's outcome.</summary>
    private static bool ConnectOrRefused(Socket socket, TestServer server)
    {
        try
        {
            socket.Connect(server.EndPoint);
            return false;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return true;
        }
    }

    /// <summary>Connects; true when the server's refusal (a reset) already showed as the connect's outcome.</summary>
    private static async Task<bool> ConnectOrRefusedAsync(Socket socket, TestServer server)
    {
        try
        {
            await socket.ConnectAsync(server.EndPoint);
            return false;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return true;
        }
    }

    /// <summary>True when the server closed the socket (reset or EOF), false when the window ended first.</summary>
    private static async Task<bool> ReadUntilClosedOrCanceledAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
