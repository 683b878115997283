using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace RawTls.Server.Internal.Epoll;

/// <summary>
/// The default transport on Linux: a non-blocking socket registered edge-triggered with an <see cref="EpollLoop"/>.
/// I/O is tried directly; only when the socket is empty (or full) does the caller wait on a <see cref="Readiness"/>,
/// which the loop completes on its own thread, so the handshake, the pipes and the handler all run where the event
/// was seen. A zero-byte read is a pure readiness wait and costs no system call. Nothing here allocates per
/// operation: waits are pooled value-task sources and the slow paths use pooled state machines.
/// </summary>
internal sealed class EpollSocketStream : TransportStream, IThreadPoolWorkItem
{
    private static long s_lastGeneration;

    private readonly Readiness _read = new();
    private readonly Readiness _write = new();
    private EpollLoop? _loop;
    private long _generation;
    private int _slot;
    private int _writeWatched;
    private volatile bool _peerReset;

    /// <summary>Unique per attachment, so an event for an earlier socket of this instance is recognised and ignored.</summary>
    public uint Generation => (uint)Volatile.Read(ref _generation);

    public override void Attach(Socket socket)
    {
        base.Attach(socket);
        socket.Blocking = false; // the runtime's synchronous calls then return WouldBlock instead of waiting
        long generation = Interlocked.Increment(ref s_lastGeneration);
        if ((uint)generation == EpollRegistry.ListenerGeneration)
        {
            generation = Interlocked.Increment(ref s_lastGeneration); // once in 2^32: that value names listeners
        }

        Volatile.Write(ref _generation, generation);
        _writeWatched = 0;
        _peerReset = false;
        _read.Reset(); // registration reports data that is already there as an event
        _write.Reset();
    }

    public override void Detach()
    {
        _loop = null;
        base.Detach();
    }

    /// <summary>Adds the socket to <paramref name="loop"/>; the first event can arrive before this returns.</summary>
    public bool Register(EpollLoop loop, int slot)
    {
        _loop = loop;
        _slot = slot;
        return loop.Add(Socket, slot, Generation, EpollInterop.In);
    }

    /// <summary>From the loop: what the kernel reported for this socket.</summary>
    public void OnEvents(uint events)
    {
        if ((events & (EpollInterop.ReadHangUp | EpollInterop.HangUp | EpollInterop.Error)) != 0)
        {
            _read.SignalHangUp();
        }
        else if ((events & EpollInterop.In) != 0)
        {
            _read.Signal();
        }

        if ((events & (EpollInterop.HangUp | EpollInterop.Error)) != 0)
        {
            _peerReset = true;
            _write.SignalHangUp();
        }
        else if ((events & EpollInterop.Out) != 0)
        {
            _write.Signal();
        }
    }

    /// <summary>The socket was closed under a waiting reader or writer: wake both, off the caller's thread.</summary>
    public override void OnAborted() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    void IThreadPoolWorkItem.Execute()
    {
        _read.Signal(); // the retried I/O then fails with the socket's own error
        _write.Signal();
    }

    public override ValueTask<int> WaitForDataAsync() => _read.WaitAsync(CancellationToken.None);

    public override bool PeerReset => _peerReset;

    /// <summary>Like a read, but a reset or error is the end (0), not an exception: most clients reset a closing connection.</summary>
    public override ValueTask<int> DiscardAsync(Memory<byte> buffer)
    {
        long snapshot = _read.Snapshot();
        int n = Socket.Receive(buffer.Span, SocketFlags.None, out SocketError error);
        if (error == SocketError.Success)
        {
            return new ValueTask<int>(n);
        }

        if (error != SocketError.WouldBlock)
        {
            return new ValueTask<int>(0);
        }

        OnWouldBlock(_read, snapshot);
        return DiscardSlowAsync(buffer);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> DiscardSlowAsync(Memory<byte> buffer)
    {
        while (true)
        {
            await _read.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            long snapshot = _read.Snapshot();
            int n = Socket.Receive(buffer.Span, SocketFlags.None, out SocketError error);
            if (error != SocketError.WouldBlock)
            {
                return error == SocketError.Success ? n : 0;
            }

            OnWouldBlock(_read, snapshot);
        }
    }

    /// <summary>Arranges for <paramref name="start"/> to run on the loop's thread when the first bytes arrive; see <see cref="Readiness.TryOnReady"/>.</summary>
    public bool TryStartOnFirstData(Action<object?> start, object state) => _read.TryOnReady(start, state);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ReadStarted();
        if (buffer.IsEmpty)
        {
            // How the pipe reader (through SslStream) waits for an idle client: no buffer held, no system call, and
            // it honours its token (a handler's ReadAsync(ServerStopping), CancelPendingRead, a graceful stop).
            return _read.WaitAsync(cancellationToken);
        }

        return ReceiveAsync(buffer, SocketFlags.None);
    }

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, SocketFlags flags)
    {
        long snapshot = _read.Snapshot();
        int n = Socket.Receive(buffer.Span, flags, out SocketError error);
        if (error == SocketError.Success)
        {
            // A short read emptied the socket: any later byte raises a new edge, so the next zero-byte wait can block
            // without first finding EAGAIN. Not after EOF (no edge follows it) and not for a peek (the bytes stay).
            if (n != 0 && n < buffer.Length && flags == SocketFlags.None)
            {
                _read.MarkDrained(snapshot);
            }

            return new ValueTask<int>(n);
        }

        if (error != SocketError.WouldBlock)
        {
            return ValueTask.FromException<int>(ThrowHelper.CreateSocketException(error));
        }

        OnWouldBlock(_read, snapshot);
        return ReceiveSlowAsync(buffer, flags);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveSlowAsync(Memory<byte> buffer, SocketFlags flags)
    {
        while (true)
        {
            await _read.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            long snapshot = _read.Snapshot();
            int n = Socket.Receive(buffer.Span, flags, out SocketError error);
            if (error == SocketError.Success)
            {
                if (n != 0 && n < buffer.Length && flags == SocketFlags.None)
                {
                    _read.MarkDrained(snapshot);
                }

                return n;
            }

            if (error != SocketError.WouldBlock)
            {
                throw ThrowHelper.CreateSocketException(error);
            }

            OnWouldBlock(_read, snapshot);
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        long snapshot = _write.Snapshot();
        int sent = Socket.Send(buffer.Span, SocketFlags.None, out SocketError error);
        if (error == SocketError.Success && sent == buffer.Length)
        {
            return default;
        }

        if (error is not SocketError.Success and not SocketError.WouldBlock)
        {
            return ValueTask.FromException(ThrowHelper.CreateSocketException(error));
        }

        if (error == SocketError.WouldBlock)
        {
            OnWouldBlock(_write, snapshot);
        }
        else
        {
            _write.MarkDrained(snapshot);
        }

        return WriteSlowAsync(buffer[(error == SocketError.Success ? sent : 0)..]);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteSlowAsync(ReadOnlyMemory<byte> buffer)
    {
        if (Interlocked.Exchange(ref _writeWatched, 1) == 0 && !_loop!.Modify(Socket, _slot, Generation, EpollInterop.In | EpollInterop.Out))
        {
            throw ThrowHelper.CreateSocketException(SocketError.OperationAborted);
        }

        while (true)
        {
            await _write.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            long snapshot = _write.Snapshot();
            int sent = Socket.Send(buffer.Span, SocketFlags.None, out SocketError error);
            if (error == SocketError.Success)
            {
                buffer = buffer[sent..];
                if (buffer.IsEmpty)
                {
                    return;
                }
            }
            else if (error != SocketError.WouldBlock)
            {
                throw ThrowHelper.CreateSocketException(error);
            }
            else
            {
                OnWouldBlock(_write, snapshot);
                continue;
            }

            _write.MarkDrained(snapshot);
        }
    }

    /// <summary>EAGAIN: the socket is alive, whatever a late event of its predecessor on this instance said.</summary>
    private void OnWouldBlock(Readiness direction, long snapshot)
    {
        _peerReset = false;
        direction.MarkEmpty(snapshot);
    }

    public override void DisposeArgs()
    {
    }
}
