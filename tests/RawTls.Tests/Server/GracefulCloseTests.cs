using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using RawTls.Cli.Protocols;
using RawTls.Server;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Server;

/// <summary>
/// A handler that returns while the client is still sending, or with pipelined requests unread, must not lose what
/// it wrote: the server sends close_notify and FIN, then drains the client's input (bounded) instead of closing with
/// unread bytes, which would make the kernel reset the connection and drop the queued response. Real sockets, a
/// client with a small receive window so that most of the response is still queued when the handler returns.
/// </summary>
public class GracefulCloseTests
{
    private const int ResponseBytes = (1 << 20) + 12345;

    [Fact]
    public async Task A_handler_returning_while_the_client_still_sends_delivers_its_whole_1MiB_response_then_close_notify()
    {
        await using TestServer server = await TestServerFactory.StartAsync(handler: static async c =>
        {
            ReadResult request = await c.Transport.Input.ReadAsync(); // the first bytes of an upload: answer now
            c.Transport.Input.AdvanceTo(request.Buffer.End);
            await c.Transport.Output.WriteAsync(Pattern(ResponseBytes));
        });

        await using SslStream client = await ConnectSmallWindowAsync(server);
        await client.WriteAsync("UPLOAD\n"u8.ToArray());
        Task sending = KeepSendingAsync(client, Encoding.ASCII.GetBytes(new string('u', 16 * 1024)), writes: 64);

        (byte[] received, bool cleanEnd) = await ReadToEndAsync(client);

        Assert.Equal(ResponseBytes, received.Length);
        Assert.True(received.AsSpan().SequenceEqual(Pattern(ResponseBytes)), "the response arrived corrupted");
        Assert.True(cleanEnd, "the response did not end with close_notify");
        await sending;
    }

    [Fact]
    public async Task Requests_pipelined_behind_connection_close_do_not_cost_the_answer_to_the_first()
    {
        var options = new Http11ResponderOptions(Pattern(ResponseBytes));
        await using TestServer server = await TestServerFactory.StartAsync(handler: c => new ValueTask(Http11Responder.RunAsync(c.Transport, options, c.ServerStopping)));

        await using SslStream client = await ConnectSmallWindowAsync(server);
        var pipelined = new StringBuilder("GET /first HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        for (int i = 0; i < 100; i++)
        {
            pipelined.Append(CultureInfoInvariant($"GET /{i} HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        }

        await client.WriteAsync(Encoding.ASCII.GetBytes(pipelined.ToString()));
        Task sending = KeepSendingAsync(client, Encoding.ASCII.GetBytes(pipelined.ToString()), writes: 32);

        (byte[] received, bool cleanEnd) = await ReadToEndAsync(client);

        string text = Encoding.Latin1.GetString(received);
        int headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(headEnd > 0, "no response head");
        string head = text[..headEnd];
        Assert.StartsWith("HTTP/1.1 200 OK", head, StringComparison.Ordinal);
        Assert.Contains("Connection: close", head, StringComparison.Ordinal);
        Assert.Contains(CultureInfoInvariant($"Content-Length: {ResponseBytes}"), head, StringComparison.Ordinal);
        Assert.Equal(headEnd + 4 + ResponseBytes, received.Length); // the whole body, and no answer to the pipelined requests
        Assert.True(received.AsSpan(headEnd + 4).SequenceEqual(Pattern(ResponseBytes)), "the body arrived corrupted");
        Assert.True(cleanEnd, "the response did not end with close_notify");
        await sending;
    }

    [Fact]
    public async Task A_client_whose_close_notify_and_fin_arrive_together_is_closed_at_once_not_at_the_linger_deadline()
    {
        // The server reads the client's close_notify and finds the FIN behind it in the same read: no further
        // readiness edge will come, so the lingering close must take the EOF now rather than wait for the heartbeat.
        var clientClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestServer server = await TestServerFactory.StartAsync(handler: async c =>
        {
            ReadResult request = await c.Transport.Input.ReadAsync();
            c.Transport.Input.AdvanceTo(request.Buffer.End);
            await c.Transport.Output.WriteAsync("bye\n"u8.ToArray());
            await clientClosed.Task; // both the client's alert and its FIN are in the socket before the server lingers
        });

        await using var client = await TestServerFactory.ConnectTlsAsync(server.EndPoint);
        await client.Ssl.WriteAsync("hi\n"u8.ToArray());
        var answer = new byte[4];
        await client.Ssl.ReadExactlyAsync(answer);
        await client.Ssl.ShutdownAsync();
        client.Socket.Shutdown(SocketShutdown.Send);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        clientClosed.SetResult();

        await TestServerFactory.WaitUntilAsync(() => server.Counters.Active == 0, "the connection closed");
        Assert.True(watch.ElapsedMilliseconds < TlsServerConnectionLinger / 2, $"closed after {watch.ElapsedMilliseconds} ms: it waited for the linger deadline");
    }

    [Fact]
    public async Task A_client_that_never_stops_sending_is_cut_off_within_the_linger_bound()
    {
        await using TestServer server = await TestServerFactory.StartAsync(handler: static async c =>
        {
            ReadResult request = await c.Transport.Input.ReadAsync();
            c.Transport.Input.AdvanceTo(request.Buffer.End);
            await c.Transport.Output.WriteAsync("bye\n"u8.ToArray());
        });

        await using SslStream client = await ConnectSmallWindowAsync(server);
        await client.WriteAsync("hello\n"u8.ToArray());
        byte[] bye = new byte[4];
        await client.ReadExactlyAsync(bye);
        Assert.Equal("bye\n"u8.ToArray(), bye);
        Assert.Equal(0, await client.ReadAsync(new byte[16])); // close_notify

        // Keep sending and never close: the server drains, then gives up at its linger bound and resets.
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        byte[] chunk = new byte[1024];
        await TestServerFactory.WaitUntilAsync(() => server.Counters.Active == 0 || !TrySend(client, chunk), "the lingering connection to end", TimeSpan.FromSeconds(10));
        await TestServerFactory.WaitUntilAsync(() => server.Counters.Active == 0, "the connection slot to be released", TimeSpan.FromSeconds(10));
        Assert.InRange(stopwatch.Elapsed, TimeSpan.Zero, TimeSpan.FromMilliseconds(TlsServerConnectionLinger + 3_000)); // bound + heartbeat period + slack
    }

    private const int TlsServerConnectionLinger = RawTls.Server.Internal.TlsServerConnection.LingerMilliseconds;

    private static bool TrySend(SslStream client, byte[] chunk)
    {
        try
        {
            client.Write(chunk);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string CultureInfoInvariant(FormattableString s) => FormattableString.Invariant(s);

    private static byte[] Pattern(int length)
    {
        byte[] data = new byte[length];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)((i * 31) ^ (i >> 8));
        }

        return data;
    }

    private static async Task<SslStream> ConnectSmallWindowAsync(TestServer server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024, NoDelay = true };
        await socket.ConnectAsync(server.EndPoint);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = static (_, _, _, _) => true });
        return ssl;
    }

    /// <summary>Keeps the client sending while it reads; writes fail once the server has gone, which is fine.</summary>
    private static Task KeepSendingAsync(SslStream client, byte[] data, int writes) => Task.Run(async () =>
    {
        try
        {
            for (int i = 0; i < writes; i++)
            {
                await client.WriteAsync(data);
                await Task.Delay(5);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or NotSupportedException or InvalidOperationException)
        {
        }
    });

    /// <summary>Reads until close_notify (clean end) or an error (a reset: not clean), within 20 s.</summary>
    private static async Task<(byte[] Received, bool CleanEnd)> ReadToEndAsync(SslStream client)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var received = new ArrayBufferWriter<byte>();
        byte[] buffer = new byte[8 * 1024];
        try
        {
            int n;
            while ((n = await client.ReadAsync(buffer, cts.Token)) > 0)
            {
                received.Write(buffer.AsSpan(0, n));
            }

            return (received.WrittenSpan.ToArray(), true);
        }
        catch (IOException)
        {
            return (received.WrittenSpan.ToArray(), false);
        }
    }
}
