using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RawTls.Certificates;
using RawTls.Diagnostics;
using RawTls.Server;

namespace RawTls.Tests.Infrastructure;

/// <summary>
/// Shared plumbing for tests that run a real <see cref="TlsServer"/> on 127.0.0.1 (ephemeral port):
/// starting a server with a handler, connecting a .NET client, polling with deadlines.
/// </summary>
internal static class TestServerFactory
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);

    /// <summary>Echoes every byte back until the client ends its side.</summary>
    public static async ValueTask EchoHandler(TlsConnection connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        while (true)
        {
            var result = await input.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                await output.WriteAsync(segment);
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Starts a server on 127.0.0.1:0 serving a fresh test certificate, with a metrics recorder attached to
    /// its meter before it starts. Defaults: echo handler, short timeouts suited to tests.
    /// </summary>
    public static async Task<TestServer> StartAsync(Action<TlsServerOptions>? configure = null, TlsConnectionHandler? handler = null)
    {
        var certificate = TestPki.SelfSigned("localhost");
        var options = new TlsServerOptions().Listen(IPAddress.Loopback, 0);
        options.Certificates.Add(ServerCertificateOptions.FromCertificate(certificate));
        options.HandshakeTimeout = TimeSpan.FromSeconds(5);
        options.ShutdownTimeout = TimeSpan.FromSeconds(2);
        configure?.Invoke(options);
        var server = new TlsServer(options, handler ?? EchoHandler);
        var recorder = new MetricsRecorder(server.Meter);
        try
        {
            await server.StartAsync();
        }
        catch
        {
            recorder.Dispose();
            await server.DisposeAsync();
            certificate.Dispose();
            throw;
        }

        return new TestServer(server, recorder, certificate);
    }

    /// <summary>A TCP connection to the server that has sent nothing yet.</summary>
    public static async Task<Socket> ConnectRawAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(DefaultWait);
            await socket.ConnectAsync(endPoint, cts.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects a .NET <see cref="SslStream"/> client (accepting any server certificate unless told otherwise).</summary>
    public static async Task<TlsClient> ConnectTlsAsync(IPEndPoint endPoint, SslClientAuthenticationOptions? options = null)
    {
        options ??= new SslClientAuthenticationOptions();
        options.TargetHost ??= "localhost";
        options.RemoteCertificateValidationCallback ??= static (_, _, _, _) => true;
        var socket = await ConnectRawAsync(endPoint);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            using var cts = new CancellationTokenSource(DefaultWait);
            await ssl.AuthenticateAsClientAsync(options, cts.Token);
            return new TlsClient(socket, ssl);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    /// <summary>A normal client: full handshake and an echo round trip, then a clean close.</summary>
    public static async Task AssertEchoRoundTripAsync(TestServer server, SslProtocols expected = SslProtocols.Tls13)
    {
        await using var client = await ConnectTlsAsync(server.EndPoint);
        Assert.Equal(expected, client.Ssl.SslProtocol);
        byte[] payload = "ping-pong"u8.ToArray();
        using var cts = new CancellationTokenSource(DefaultWait);
        await client.Ssl.WriteAsync(payload, cts.Token);
        var echoed = new byte[payload.Length];
        await client.Ssl.ReadExactlyAsync(echoed, cts.Token);
        Assert.Equal(payload, echoed);
    }

    /// <summary>
    /// Reads from <paramref name="socket"/> until the server closes it (EOF or reset), discarding data.
    /// Returns how it ended and when; throws when <paramref name="within"/> passes first.
    /// </summary>
    public static async Task<(CloseKind Kind, TimeSpan Elapsed)> WaitForServerCloseAsync(Socket socket, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(within);
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    return (CloseKind.Eof, watch.Elapsed);
                }
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return (CloseKind.Reset, watch.Elapsed);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"The server did not close the connection within {within}.");
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> at the deadline.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? within = null, Func<string>? context = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = within ?? DefaultWait;
        while (!condition())
        {
            if (deadline.Elapsed > limit)
            {
                throw new Xunit.Sdk.XunitException($"Timed out after {limit} waiting for: {what}{(context is null ? string.Empty : "\n" + context())}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>
    /// The first bytes a real .NET client sends: its ClientHello record(s), captured by a loopback listener
    /// that never answers.
    /// </summary>
    public static async Task<byte[]> CaptureClientHelloAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var clientSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await clientSocket.ConnectAsync(listener.LocalEndPoint!);
        using var accepted = await listener.AcceptAsync();
        using var cts = new CancellationTokenSource(DefaultWait);
        var ssl = new SslStream(new NetworkStream(clientSocket, ownsSocket: false));
        Task handshake = ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
        }, cts.Token);

        // A TLS record: type(1) version(2) length(2) body. Read whole records until the first is complete.
        var captured = new List<byte>();
        var buffer = new byte[16 * 1024];
        while (captured.Count < 5 || captured.Count < 5 + ((captured[3] << 8) | captured[4]))
        {
            int n = await accepted.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0)
            {
                break;
            }

            captured.AddRange(buffer.AsSpan(0, n));
        }

        accepted.LingerState = new LingerOption(true, 0);
        accepted.Close();
        try
        {
            await handshake;
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException or OperationCanceledException)
        {
        }

        await ssl.DisposeAsync();
        Assert.True(captured.Count > 5 && captured[0] == 0x16, "expected a TLS handshake record");
        return [.. captured];
    }
}

internal enum CloseKind
{
    Eof,
    Reset,
}

/// <summary>A started server with its recorder and certificate; disposing stops it.</summary>
internal sealed class TestServer(TlsServer server, MetricsRecorder recorder, X509Certificate2 certificate) : IAsyncDisposable
{
    public TlsServer Server { get; } = server;

    public MetricsRecorder Recorded { get; } = recorder;

    public X509Certificate2 Certificate { get; } = certificate;

    public IPEndPoint EndPoint => Server.LocalEndPoints[0];

    /// <summary>The server's internal counters.</summary>
    public RawTlsMetrics Counters => Server.Metrics;

    public long Failed(HandshakeFailureReason reason) => Counters.HandshakesFailedFor(reason);

    /// <summary>Waits until a failure with <paramref name="reason"/> was counted, then checks the meter said the same.</summary>
    public async Task AssertHandshakeFailedAsync(HandshakeFailureReason reason, long count = 1)
    {
        await TestServerFactory.WaitUntilAsync(
            () => Failed(reason) >= count && Recorded.Sum("rawtls.handshakes.failed", RawTlsMetrics.ReasonTag(reason)) >= count,
            $"{count} handshake failure(s) with reason {reason}", context: () => $"counted: {Describe()}");
        Assert.Equal(count, Failed(reason));
        Assert.Equal(count, Recorded.Sum("rawtls.handshakes.failed", RawTlsMetrics.ReasonTag(reason)));
        Assert.Equal(count, Counters.HandshakesFailed);
    }

    /// <summary>Waits until every connection has been closed and the gauges are back to zero.</summary>
    public async Task AssertNoActiveConnectionsAsync()
    {
        // The counter drops just before the meter records the close: wait for both rather than read one after the other.
        await TestServerFactory.WaitUntilAsync(
            () => Counters.Active == 0 && Recorded.Sum("rawtls.connections.active") == 0,
            "active connections back to 0", context: () => $"counter {Counters.Active}, meter {Recorded.Sum("rawtls.connections.active")}");
    }

    public string Describe()
    {
        var parts = Enum.GetValues<HandshakeFailureReason>().Where(r => Failed(r) > 0).Select(r => $"{r}={Failed(r)}");
        return $"failed[{string.Join(", ", parts)}] completed={Counters.HandshakesCompleted} rejected={Counters.Rejected} active={Counters.Active}";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Server.DisposeAsync();
        }
        finally
        {
            Recorded.Dispose();
            Certificate.Dispose();
        }
    }
}

/// <summary>A <see cref="TlsClient"/>: the .NET client's socket and SSL stream.</summary>
internal sealed class TlsClient(Socket socket, SslStream ssl) : IAsyncDisposable
{
    public Socket Socket { get; } = socket;

    public SslStream Ssl { get; } = ssl;

    public ValueTask DisposeAsync() => Ssl.DisposeAsync();
}

/// <summary>Records the long-valued measurements of one meter (one server), keyed by instrument and <c>reason</c> tag.</summary>
internal sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Instrument, string? Reason), long> _sums = new();

    public MetricsRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>Sum of the instrument's measurements, optionally only those tagged with <paramref name="reason"/>.</summary>
    public long Sum(string instrument, string? reason = null) =>
        _sums.Where(kv => kv.Key.Instrument == instrument && (reason is null || kv.Key.Reason == reason)).Sum(kv => kv.Value);

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? reason = null;
        foreach (var tag in tags)
        {
            if (tag.Key is "reason" or "result")
            {
                reason = tag.Value as string;
            }
        }

        _sums.AddOrUpdate((instrument.Name, reason), value, (_, old) => old + value);
    }
}
