using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RawTls.Tests.Ocsp;

/// <summary>
/// A raw-socket HTTP/1.1 server on 127.0.0.1 for client tests: one request per connection, and the handler writes the
/// response bytes itself so it can misbehave (trickle, lie about lengths, never answer).
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<LoopbackRequest, Stream, CancellationToken, Task> _handler;
    private readonly Task _acceptLoop;

    public LoopbackHttpServer(Func<LoopbackRequest, Stream, CancellationToken, Task> handler)
    {
        _handler = handler;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public Uri BaseUri => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public ConcurrentQueue<LoopbackRequest> Requests { get; } = new();

    public static async Task RespondAsync(Stream stream, int status, string? contentType, byte[] body, CancellationToken cancellationToken, string? extraHeaders = null)
    {
        var head = new StringBuilder();
        head.Append(FormattableString.Invariant($"HTTP/1.1 {status} Status\r\nConnection: close\r\nContent-Length: {body.Length}\r\n"));
        if (contentType is not null)
        {
            head.Append(FormattableString.Invariant($"Content-Type: {contentType}\r\n"));
        }

        head.Append(extraHeaders).Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancellationToken);
        await stream.WriteAsync(body, cancellationToken);
    }

    public static Task RedirectAsync(Stream stream, string location, CancellationToken cancellationToken) =>
        RespondAsync(stream, 302, null, [], cancellationToken, $"Location: {location}\r\n");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
                connections.Add(ServeAsync(client));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        await Task.WhenAll(connections).WaitAsync(TimeSpan.FromSeconds(5));
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                NetworkStream stream = client.GetStream();
                LoopbackRequest? request = await ReadRequestAsync(stream, _stop.Token);
                if (request is null)
                {
                    return;
                }

                Requests.Enqueue(request);
                await _handler(request, stream, _stop.Token);
                await stream.FlushAsync(_stop.Token);
                client.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away (timeouts, caps) or the server stopped.
            }
        }
    }

    private static async Task<LoopbackRequest?> ReadRequestAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (!EndsWithBlankLine(buffer))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                return null;
            }

            buffer.Add(one[0]);
        }

        string[] lines = Encoding.ASCII.GetString([.. buffer]).Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.Skip(1).Where(l => l.Length > 0))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        byte[] body = headers.TryGetValue("Content-Length", out string? length) ? new byte[int.Parse(length, System.Globalization.CultureInfo.InvariantCulture)] : [];
        await stream.ReadExactlyAsync(body, cancellationToken);
        return new LoopbackRequest(requestLine[0], requestLine[1], headers, body);
    }

    private static bool EndsWithBlankLine(List<byte> buffer) =>
        buffer.Count >= 4 && buffer[^4] == '\r' && buffer[^3] == '\n' && buffer[^2] == '\r' && buffer[^1] == '\n';
}
