using System.Net.Sockets;

namespace RawTls.Server.Internal;

/// <summary>
/// The stream under <see cref="System.Net.Security.SslStream"/>: one accepted socket, pooled across connections.
/// Two transports implement it: <see cref="Epoll.EpollSocketStream"/> (RawTls's own readiness loop, the default on
/// Linux) and <see cref="SocketStream"/> (the runtime's socket engine, the fallback). SslStream issues at most one
/// read and one write at a time, which both assume.
/// </summary>
internal abstract class TransportStream : Stream
{
    private Socket? _socket;
    private long _lastReadStarted;

    public Socket Socket => _socket!;

    /// <summary>When the last read was issued (<see cref="Environment.TickCount64"/>), for idle timeouts.</summary>
    public long LastReadStarted => Volatile.Read(ref _lastReadStarted);

    /// <summary>False while the runtime still holds an operation on this instance: then it must not be pooled.</summary>
    public virtual bool Reusable => true;

    public virtual void Attach(Socket socket)
    {
        _socket = socket;
        _lastReadStarted = Environment.TickCount64;
    }

    /// <summary>Releases the socket reference so the instance can be pooled.</summary>
    public virtual void Detach() => _socket = null;

    /// <summary>Completes when the peer has sent something (or closed): the wait before the first byte is read.</summary>
    public abstract ValueTask<int> WaitForDataAsync();

    /// <summary>A raw receive before TLS starts (the PROXY header: peeks, then exactly its bytes).</summary>
    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer, SocketFlags flags);

    /// <summary>The peer reset the connection (or it failed) as far as this transport has seen: nothing sent now arrives.</summary>
    public virtual bool PeerReset => false;

    /// <summary>A raw read whose bytes are thrown away (the lingering close): 0 at EOF and on a reset or error, which end it.</summary>
    public abstract ValueTask<int> DiscardAsync(Memory<byte> buffer);

    /// <summary>The socket was closed under the connection: wake whatever waits on it.</summary>
    public virtual void OnAborted()
    {
    }

    /// <summary>Frees the instance for good (pool trimming).</summary>
    public abstract void DisposeArgs();

    protected void ReadStarted() => _lastReadStarted = Environment.TickCount64;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public abstract override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Disposing the stream does not close the socket: the connection owns it.</summary>
    protected override void Dispose(bool disposing) => base.Dispose(disposing);
}
