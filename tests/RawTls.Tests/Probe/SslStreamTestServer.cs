using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace RawTls.Tests.Probe;

/// <summary>
/// A loopback SslStream server that accepts connections one after another, handshakes with the given options and
/// then waits (bounded) for the client to close. Records what each handshake negotiated.
/// </summary>
internal sealed class SslStreamTestServer : IAsyncDisposable
{
    private static readonly TimeSpan ConnectionBudget = TimeSpan.FromSeconds(10);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<SslServerAuthenticationOptions> _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly SemaphoreSlim _recorded = new(0);

    public SslStreamTestServer(Func<SslServerAuthenticationOptions> options)
    {
        _options = options;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Completed handshakes, in order: SNI host name seen, ALPN chosen, and any failure.</summary>
    public List<(string TargetHostName, SslApplicationProtocol Alpn, Exception? Error)> Handshakes { get; } = [];

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        catch (InvalidOperationException) when (_stop.IsCancellationRequested)
        {
            // DisposeAsync stopped the listener before the loop got back to accepting ("Not listening").
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        budget.CancelAfter(ConnectionBudget);
        using (client)
        {
            var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            await using (ssl)
            {
                try
                {
                    await ssl.AuthenticateAsServerAsync(_options(), budget.Token);
                    lock (Handshakes)
                    {
                        Handshakes.Add((ssl.TargetHostName, ssl.NegotiatedApplicationProtocol, null));
                    }

                    _recorded.Release();

                    // The probe sends close_notify; reading it proves it closed cleanly.
                    var buffer = new byte[256];
                    while (await ssl.ReadAsync(buffer, budget.Token) > 0)
                    {
                    }
                }
                catch (Exception e)
                {
                    lock (Handshakes)
                    {
                        Handshakes.Add((string.Empty, default, e));
                    }

                    _recorded.Release();
                }
            }
        }
    }

    /// <summary>Waits (bounded) until the server has finished its side of the next handshake and returns it.</summary>
    public async Task<(string TargetHostName, SslApplicationProtocol Alpn, Exception? Error)> NextHandshakeAsync(int index)
    {
        Assert.True(await _recorded.WaitAsync(TimeSpan.FromSeconds(10)), "server handshake did not finish");
        lock (Handshakes)
        {
            return Handshakes[index];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5));
        _stop.Dispose();
        _recorded.Dispose();
    }
}
