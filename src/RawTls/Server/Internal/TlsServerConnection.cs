using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RawTls.Certificates;
using RawTls.Diagnostics;
using RawTls.Internal.Runtime;

namespace RawTls.Server.Internal;

/// <summary>
/// One accepted socket, from handshake to close. It is its own <see cref="IDuplexPipe"/> and, on the fallback path,
/// its own thread-pool work item (no closure, no <c>Task.Run</c>). Its async body uses a pooled state machine whose
/// completion is observed, so the box really returns to the pool (measured: perf-results/benchmarks).
/// </summary>
#pragma warning disable CA1001 // _ssl is disposed by RunAsync's cleanup, which always runs
internal sealed partial class TlsServerConnection : TlsConnection, IThreadPoolWorkItem, IDuplexPipe
{
    private static readonly ServerOptionsSelectionCallback s_selectOptions = SelectOptions;
    private static long s_lastId;

    private readonly TlsServer _server;
    private readonly Socket _socket;
    private readonly TransportStream _stream;
    private readonly long _id;
    private readonly long _acceptedAt;
    private int _slot = -1;
    private SslStream? _ssl;
    private PipeReader? _input;
    private PipeWriter? _output;
    private StapledCertificateContext? _certificate;
    private CancellationTokenSource? _closedCts;
    private readonly bool _inlineHandshake;
    private ValueTask _run;

    // Absolute deadline (Environment.TickCount64) the heartbeat enforces during handshake and close;
    // 0 while established, when the idle timeout applies instead.
    private long _deadline;
    private int _abortReason; // 0 = not aborted, else (int)HandshakeFailureReason + 1

    public TlsServerConnection(TlsServer server, Socket socket, TransportStream stream, long acceptedAt, bool inlineHandshake)
    {
        _server = server;
        _inlineHandshake = inlineHandshake;
        _socket = socket;
        _stream = stream;
        _acceptedAt = acceptedAt;
        _id = Interlocked.Increment(ref s_lastId);
        _deadline = server.HandshakeDeadline(); // from accept on: a client that never sends is timed out too
        stream.Attach(socket);
    }

    public int Slot { get => _slot; set => _slot = value; }

    public long Deadline => Volatile.Read(ref _deadline);

    public override long Id => _id;

    public override IDuplexPipe Transport => this;

    public PipeReader Input => _input ?? ThrowNotEstablished<PipeReader>();

    public PipeWriter Output => _output ?? ThrowNotEstablished<PipeWriter>();

    public override EndPoint? RemoteEndPoint => _clientEndPoint ?? _socket.RemoteEndPoint;

    public override EndPoint? LocalEndPoint => _socket.LocalEndPoint;

    public override SslProtocols Protocol => _ssl?.SslProtocol ?? SslProtocols.None;

    public override TlsCipherSuite CipherSuite => _ssl?.NegotiatedCipherSuite ?? default;

    public override SslApplicationProtocol ApplicationProtocol => _ssl?.NegotiatedApplicationProtocol ?? default;

    public override string? ServerName => string.IsNullOrEmpty(_ssl?.TargetHostName) ? null : _ssl.TargetHostName;

    public override X509Certificate2? RemoteCertificate => _ssl?.RemoteCertificate as X509Certificate2;

    public override StapledCertificateContext Certificate => _certificate ?? ThrowNotEstablished<StapledCertificateContext>();

    public override CancellationToken ServerStopping => _server.StoppingToken;

    public override CancellationToken ConnectionClosed
    {
        get
        {
            // Created only for handlers that ask: most connections never pay for a token source.
            var cts = Volatile.Read(ref _closedCts);
            if (cts is null)
            {
                cts = new CancellationTokenSource();
                var existing = Interlocked.CompareExchange(ref _closedCts, cts, null);
                if (existing is not null)
                {
                    cts.Dispose();
                    cts = existing;
                }
                else if (Volatile.Read(ref _abortReason) != 0)
                {
                    cts.Cancel();
                }
            }

            return cts.Token;
        }
    }

    public override void Abort() => Abort(HandshakeFailureReason.Other);

    /// <summary>On the fallback path (and when the first bytes beat the epoll registration) a connection starts as a work item.</summary>
    void IThreadPoolWorkItem.Execute() => Start();

    /// <summary>The epoll transport's start: on its loop's thread at the first bytes, or on the pool if they are already here.</summary>
    public void StartOnFirstData(Epoll.EpollSocketStream stream)
    {
        if (!stream.TryStartOnFirstData(static s => ((TlsServerConnection)s!).Start(), this))
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>
    /// Runs the connection to its end. The pooled state machine box goes back to the pool only when someone calls
    /// the ValueTask's GetResult, so the completion is observed here rather than discarded.
    /// </summary>
    public void Start()
    {
        ValueTask run = RunAsync();
        if (run.IsCompleted)
        {
            run.GetAwaiter().GetResult();
            return;
        }

        _run = run;
        run.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(OnRunCompleted);
    }

    private void OnRunCompleted() => _run.GetAwaiter().GetResult(); // RunAsync never throws: it owns its cleanup

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask RunAsync()
    {
        var server = _server;
        try
        {
            Volatile.Write(ref _deadline, server.HandshakeDeadline());
            // Pre-handshake phase: steps that read the raw socket before TLS (the PROXY protocol header) come first.
            if (!await AcceptProxyHeaderAsync().ConfigureAwait(false))
            {
                return;
            }

            try
            {
                // Waiting for the ClientHello before creating the SslStream keeps idle accepted sockets cheap and makes the
                // handshake's first read complete synchronously, on the thread that saw the data arrive.
                await _stream.WaitForDataAsync().ConfigureAwait(false);
                _ssl = new SslStream(_stream, leaveInnerStreamOpen: true);
                await _ssl.AuthenticateAsServerAsync(s_selectOptions, this, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                HandshakeFailureReason reason = ClassifyFailure(ex);
                server.Metrics.HandshakeFailed(reason, SafeProtocol(), TlsServer.Elapsed(_acceptedAt));
                server.OnHandshakeFailed(this, reason, ex);
                return;
            }
            finally
            {
                server.HandshakeFinished();
            }

            if (server.FollowClientCipherOrder)
            {
                _ = RuntimeCipherPreference.Apply(_ssl);
            }

            server.Metrics.HandshakeCompleted(_ssl.SslProtocol, TlsServer.Elapsed(_acceptedAt));
            Volatile.Write(ref _deadline, 0);
            _input = PipeReader.Create(_ssl, server.ReaderOptions);
            _output = PipeWriter.Create(_ssl, server.WriterOptions);
            if (_inlineHandshake && !server.InlineHandlers)
            {
                // The handshake ran on the socket engine's thread; handler code never does, so that a handler that
                // blocks stalls only its own connection. From here socket events go through the thread pool again,
                // and this hop moves the rest of the connection there (the box is queued as is: no allocation).
                RuntimeSocketAdapter.SetInline(_socket, false);
                await Task.Yield();
            }

            try
            {
                await server.Handler(this).ConfigureAwait(false);
            }
            catch (Exception ex) when (Volatile.Read(ref _abortReason) == 0)
            {
                server.OnHandlerFailed(this, ex);
            }
            catch (Exception)
            {
                // The connection was aborted under the handler: its I/O errors are expected.
            }

            await CloseGracefullyAsync().ConfigureAwait(false);
        }
        finally
        {
            Cleanup();
        }
    }

    private async ValueTask CloseGracefullyAsync()
    {
        try
        {
            await _input!.CompleteAsync().ConfigureAwait(false);
            await _output!.CompleteAsync().ConfigureAwait(false);
            // A peer that has reset the connection gets nothing more; sending would only fail (an exception per close).
            if (Volatile.Read(ref _abortReason) == 0 && !_stream.PeerReset)
            {
                // close_notify, then FIN: lets the client tell a clean end from a truncation.
                Volatile.Write(ref _deadline, Environment.TickCount64 + TlsServer.CloseTimeoutMilliseconds);
                await _ssl!.ShutdownAsync().ConfigureAwait(false);
                _socket.Shutdown(SocketShutdown.Send);
                await LingerAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException or AuthenticationException)
        {
            // The peer is gone: nothing left to flush.
        }
    }

    private void Cleanup()
    {
        Volatile.Write(ref _deadline, 0);
        _ssl?.Dispose();
        _socket.Dispose();
        var cts = Interlocked.Exchange(ref _closedCts, null);
        if (cts is not null)
        {
            try
            {
                cts.Cancel();
            }
            finally
            {
                cts.Dispose();
            }
        }

        _server.ConnectionFinished(this, _stream);
    }

    private static ValueTask<SslServerAuthenticationOptions> SelectOptions(SslStream stream, SslClientHelloInfo hello, object? state, CancellationToken cancellationToken)
    {
        var connection = (TlsServerConnection)state!;
        CertificateHolder? holder = connection._server.Selector.Select(hello.ServerName);
        if (holder is not null)
        {
            var publication = holder.Read(); // the one volatile read: context and options stay a matching pair
            if (publication.Options is not null)
            {
                connection._certificate = publication.Context;
                return new ValueTask<SslServerAuthenticationOptions>(publication.Options);
            }
        }

        return ValueTask.FromException<SslServerAuthenticationOptions>(new NoCertificateException(hello.ServerName));
    }

    private static T ThrowNotEstablished<T>()
    {
        ThrowHelper.ThrowInvalidOperation("The connection is not established yet.");
        return default!;
    }
}
