using System.Diagnostics;
using System.Net.Sockets;
using RawTls.Server;
using RawTls.Tests.Infrastructure;
using static RawTls.Tests.Infrastructure.TestServerFactory;

namespace RawTls.Tests.Server;

/// <summary>Established connections that stall, and graceful stop with well- and badly-behaved handlers.</summary>
[Collection(RawTls.Tests.Infrastructure.TimingSensitive.Name)]
public class TlsServerLifecycleTests
{
    [Fact]
    public async Task A_second_server_cannot_bind_a_port_a_running_one_listens_on_but_a_restart_can()
    {
        await using var first = await StartAsync();
        int port = first.EndPoint.Port;
        var options = new TlsServerOptions().Listen(System.Net.IPAddress.Loopback, port);
        options.Certificates.Add(RawTls.Certificates.ServerCertificateOptions.FromCertificate(TestPki.SelfSigned("localhost")));
        options.Stapling.Mode = RawTls.Stapling.StaplingMode.Off;
        await using (var second = new TlsServer(options, static _ => ValueTask.CompletedTask))
        {
            var ex = await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => second.StartAsync());
            Assert.Equal(System.Net.Sockets.SocketError.AddressAlreadyInUse, ex.SocketErrorCode);
        }

        // With connections of the first in TIME_WAIT, the port is free again once it stops.
        await AssertEchoRoundTripAsync(first);
        await first.DisposeAsync();
        await using var restarted = new TlsServer(options, static _ => ValueTask.CompletedTask);
        await restarted.StartAsync();
        Assert.Equal(port, restarted.LocalEndPoints[0].Port);
    }

    [Fact]
    public async Task A_stalled_connection_is_closed_at_the_idle_timeout_while_others_are_served()
    {
        await using var server = await StartAsync(o =>
        {
            o.IdleTimeout = TimeSpan.FromSeconds(1);
            o.HandshakeTimeout = TimeSpan.FromSeconds(30); // the idle timeout alone must pace the heartbeat
        });
        await using var stalled = await ConnectTlsAsync(server.EndPoint);
        var watch = Stopwatch.StartNew();
        Task<int> stalledRead = ReadOneAsync(stalled);

        // Meanwhile the server keeps serving others.
        await AssertEchoRoundTripAsync(server);
        Assert.False(stalledRead.IsCompleted, "the stalled connection was closed before its idle timeout");

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            int n = await stalledRead.WaitAsync(cts.Token);
            Assert.Equal(0, n);
        }
        catch (IOException)
        {
            // reset: equally a close
        }

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(850), TimeSpan.FromSeconds(1.8)); // heartbeat paced by the idle timeout
        await AssertEchoRoundTripAsync(server);
        await server.AssertNoActiveConnectionsAsync();
        Assert.Equal(0, server.Counters.HandshakesFailed);
    }

    [Fact]
    public async Task Without_idle_timeout_a_stalled_connection_stays_open_until_stop_and_sees_server_stopping()
    {
        var sawStopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var established = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await StartAsync(
            o =>
            {
                o.IdleTimeout = TimeSpan.Zero;
                o.HandshakeTimeout = TimeSpan.FromMilliseconds(500); // fast heartbeat: it would have closed the stall by now
            },
            async c =>
            {
                established.TrySetResult();
                try
                {
                    await c.Transport.Input.ReadAsync(c.ServerStopping);
                }
                catch (OperationCanceledException) when (c.ServerStopping.IsCancellationRequested)
                {
                    sawStopping.TrySetResult();
                }
            });
        await using var stalled = await ConnectTlsAsync(server.EndPoint);
        await established.Task.WaitAsync(DefaultWait);
        Task<int> stalledRead = ReadOneAsync(stalled);

        // A wait is the point here: nothing must happen for several heartbeats.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.False(stalledRead.IsCompleted, "the stalled connection was closed without an idle timeout");
        Assert.Equal(1, server.Counters.Active);

        var stop = Stopwatch.StartNew();
        await server.Server.StopAsync();
        Assert.True(stop.Elapsed < TimeSpan.FromSeconds(1), $"stop took {stop.Elapsed}");
        await sawStopping.Task.WaitAsync(DefaultWait);
        Assert.Equal(0, await stalledRead.WaitAsync(DefaultWait)); // close_notify: a clean end
        await server.AssertNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task Cancel_pending_read_wakes_a_handler_waiting_on_an_idle_client()
    {
        var connection = new TaskCompletionSource<TlsConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        var wasCanceled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await StartAsync(handler: async c =>
        {
            connection.TrySetResult(c);
            var result = await c.Transport.Input.ReadAsync();
            wasCanceled.TrySetResult(result.IsCanceled);
            c.Transport.Input.AdvanceTo(result.Buffer.Start);
            await EchoHandler(c); // and the connection still works afterwards
        });
        await using var client = await ConnectTlsAsync(server.EndPoint);
        (await connection.Task.WaitAsync(DefaultWait)).Transport.Input.CancelPendingRead();
        Assert.True(await wasCanceled.Task.WaitAsync(DefaultWait));
        await client.Ssl.WriteAsync("x"u8.ToArray());
        Assert.Equal((byte)'x', await ReadByteAsync(client).WaitAsync(DefaultWait));
    }

    [Fact]
    public async Task Stop_lets_a_finishing_handler_complete_and_aborts_one_that_ignores_it_at_the_deadline()
    {
        var shutdownTimeout = TimeSpan.FromSeconds(1);
        var politeStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stubbornStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stubbornEnded = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await StartAsync(
            o => o.ShutdownTimeout = shutdownTimeout,
            async c =>
            {
                var first = await c.Transport.Input.ReadAtLeastAsync(1);
                byte kind = first.Buffer.FirstSpan[0];
                c.Transport.Input.AdvanceTo(first.Buffer.GetPosition(1));
                if (kind == (byte)'P')
                {
                    // In flight when the stop begins: finishes its answer shortly after, well within the deadline.
                    politeStarted.TrySetResult();
                    await Task.Delay(Timeout.Infinite, c.ServerStopping).ContinueWith(static _ => { }, TaskScheduler.Default);
                    await Task.Delay(200);
                    await c.Transport.Output.WriteAsync("done"u8.ToArray());
                    return;
                }

                // Ignores ServerStopping: waits for a request that never comes.
                stubbornStarted.TrySetResult();
                try
                {
                    await c.Transport.Input.ReadAsync();
                    stubbornEnded.TrySetResult(null);
                }
                catch (Exception ex)
                {
                    stubbornEnded.TrySetResult(ex);
                    throw;
                }
            });

        await using var polite = await ConnectTlsAsync(server.EndPoint);
        await using var stubborn = await ConnectTlsAsync(server.EndPoint);
        await polite.Ssl.WriteAsync("P"u8.ToArray());
        await stubborn.Ssl.WriteAsync("S"u8.ToArray());
        await Task.WhenAll(politeStarted.Task, stubbornStarted.Task).WaitAsync(DefaultWait);

        var stop = Stopwatch.StartNew();
        await server.Server.StopAsync();
        Assert.InRange(stop.Elapsed, shutdownTimeout - TimeSpan.FromMilliseconds(100), shutdownTimeout + TimeSpan.FromSeconds(1));

        // The polite one got its whole answer and a clean close.
        var answer = new byte[4];
        await polite.Ssl.ReadExactlyAsync(answer).AsTask().WaitAsync(DefaultWait);
        Assert.Equal("done"u8.ToArray(), answer);
        Assert.Equal(0, await ReadOneAsync(polite).WaitAsync(DefaultWait));

        // The stubborn one was aborted under its handler (a reset, not a clean close).
        Assert.NotNull(await stubbornEnded.Task.WaitAsync(DefaultWait));
        await Assert.ThrowsAsync<IOException>(() => ReadOneAsync(stubborn).WaitAsync(DefaultWait));
        await server.AssertNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task A_handshake_in_progress_at_stop_is_aborted_as_server_stopping()
    {
        await using var server = await StartAsync(o =>
        {
            o.HandshakeTimeout = TimeSpan.FromSeconds(30);
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(300);
        });
        using var socket = await ConnectRawAsync(server.EndPoint);
        await WaitUntilAsync(() => server.Counters.Active == 1, "the server accepted the connection");
        var stop = Stopwatch.StartNew();
        await server.Server.StopAsync();
        Assert.True(stop.Elapsed < TimeSpan.FromSeconds(2), $"stop took {stop.Elapsed}");
        await WaitForServerCloseAsync(socket, TimeSpan.FromSeconds(2));
        await server.AssertHandshakeFailedAsync(RawTls.Diagnostics.HandshakeFailureReason.ServerStopping);
        await server.AssertNoActiveConnectionsAsync();
    }

    private static async Task<int> ReadOneAsync(TlsClient client)
    {
        var buffer = new byte[1];
        return await client.Ssl.ReadAsync(buffer);
    }

    private static async Task<byte> ReadByteAsync(TlsClient client)
    {
        var buffer = new byte[1];
        await client.Ssl.ReadExactlyAsync(buffer);
        return buffer[0];
    }
}
