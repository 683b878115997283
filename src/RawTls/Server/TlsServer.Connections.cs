using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RawTls.Diagnostics;
using RawTls.Internal.Runtime;
using RawTls.Server.Internal;
using RawTls.Server.Internal.Epoll;

namespace RawTls.Server;

/// <summary>The connection side: accept loops, admission and refusal, the heartbeat, and what connections report back.</summary>
public sealed partial class TlsServer
{
    private async Task AcceptLoopAsync(Socket listener, ProxyProtocolSettings? proxy)
    {
        await Task.Yield(); // leave StartAsync; the loop runs on the thread pool
        EndPoint endPoint = listener.LocalEndPoint!;
        while (Volatile.Read(ref _state) == 2)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ObjectDisposedException || (ex is SocketException && Volatile.Read(ref _state) != 2))
            {
                return;
            }
            catch (SocketException ex)
            {
                // e.g. EMFILE: log, pause briefly so a persistent error does not spin a core, keep accepting
                Log.AcceptFailed(_logger, endPoint, ex);
                await Task.Delay(10).ConfigureAwait(false);
                continue;
            }

            Accept(socket, proxy);
        }
    }

    /// <summary>A connection accepted on an epoll loop's thread.</summary>
    internal void AcceptFromLoop(Socket socket, ProxyProtocolSettings? proxy)
    {
        if (Volatile.Read(ref _state) != 2)
        {
            socket.Dispose(); // accepted while the listener was closing
            return;
        }

        Accept(socket, proxy);
    }

    /// <summary>An accept on an epoll loop failed (e.g. EMFILE); the loop pauses the listener briefly.</summary>
    internal void OnAcceptFailed(Socket listener, SocketException ex) => Log.AcceptFailed(_logger, listener.LocalEndPoint!, ex);

    private void Accept(Socket socket, ProxyProtocolSettings? proxy)
    {
        long acceptedAt = Stopwatch.GetTimestamp();
        if (Interlocked.Increment(ref _handshaking) > _options.MaxConcurrentHandshakes)
        {
            Interlocked.Decrement(ref _handshaking);
            Reject(socket, "handshake_limit");
            return;
        }

        if (!_streamPool.TryDequeue(out TransportStream? stream))
        {
            stream = _epoll is null ? new SocketStream() : new EpollSocketStream();
        }
        else
        {
            Interlocked.Decrement(ref _pooledStreams);
        }

        var connection = new TlsServerConnection(this, socket, stream, acceptedAt, _epoll is null && _inlineHandshakes);
        if (!_table.TryAdd(connection, out int slot))
        {
            Interlocked.Decrement(ref _handshaking);
            stream.Detach();
            ReturnStream(stream);
            Reject(socket, "connection_limit");
            return;
        }

        connection.Slot = slot;
        connection.ProxySettings = proxy;
        socket.NoDelay = true;
        Metrics.ConnectionAccepted();
        if (_epoll is not null)
        {
            // The connection's code runs on an epoll loop from its first byte on; never here, on the accept thread.
            var epollStream = (EpollSocketStream)stream;
            connection.StartOnFirstData(epollStream);
            if (!_epoll.Register(epollStream, slot))
            {
                connection.Abort(HandshakeFailureReason.Other);
            }
        }
        else if (_inlineHandshakes)
        {
            // Runs to the ClientHello wait and returns; the handshake continues on the engine's thread when it arrives.
            RuntimeSocketAdapter.SetInline(socket, true);
            connection.Start();
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(connection, preferLocal: false);
        }
    }

    private void Reject(Socket socket, string reason)
    {
        Metrics.ConnectionRejected(reason);
        _refusals.Record(handshakeLimit: reason == "handshake_limit");
        try
        {
            socket.LingerState = new LingerOption(true, 0); // RST at once: a refused client learns it now, and we hold nothing
        }
        catch (SocketException)
        {
        }

        socket.Dispose();
    }

    private void OnHeartbeat()
    {
        long now = Environment.TickCount64;
        _refusals.Flush(_logger, now, RefusalReportIntervalMilliseconds);
        long idle = _options.IdleTimeout <= TimeSpan.Zero || _options.IdleTimeout == Timeout.InfiniteTimeSpan ? 0 : (long)_options.IdleTimeout.TotalMilliseconds;
        for (int i = 0; i < _table.Capacity; i++)
        {
            _table[i]?.CheckDeadline(now, idle);
        }
    }

    internal long HandshakeDeadline()
    {
        return _handshakeTimeoutMs == 0 ? 0 : Environment.TickCount64 + _handshakeTimeoutMs;
    }

    internal static TimeSpan Elapsed(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp);

    internal void HandshakeFinished() => Interlocked.Decrement(ref _handshaking);

    internal void OnHandshakeFailed(TlsServerConnection connection, HandshakeFailureReason reason, Exception ex)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.HandshakeFailed(_logger, connection.Id, SafeRemote(connection), RawTlsMetrics.ReasonTag(reason), ex.GetBaseException().Message);
        }
    }

    internal void OnHandlerFailed(TlsServerConnection connection, Exception ex) => Log.HandlerFailed(_logger, connection.Id, ex);

    internal void ConnectionFinished(TlsServerConnection connection, TransportStream stream)
    {
        bool reusable = stream.Reusable; // read before Detach: a cancelled wait's receive may still be in the socket
        stream.Detach();
        if (reusable)
        {
            ReturnStream(stream);
        }
        else
        {
            stream.DisposeArgs();
        }

        _epoll?.Unregister(connection.Slot);
        _table.Remove(connection.Slot);
        Metrics.ConnectionClosed();
        if (_table.Count == 0)
        {
            Volatile.Read(ref _drained)?.TrySetResult();
        }
    }

    private void ReturnStream(TransportStream stream)
    {
        if (Interlocked.Increment(ref _pooledStreams) <= MaxPooledStreams)
        {
            _streamPool.Enqueue(stream);
        }
        else
        {
            Interlocked.Decrement(ref _pooledStreams);
            stream.DisposeArgs();
        }
    }

    private static EndPoint? SafeRemote(TlsServerConnection connection)
    {
        try
        {
            return connection.RemoteEndPoint;
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }
}
