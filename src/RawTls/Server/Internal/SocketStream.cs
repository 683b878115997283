using System.Net.Sockets;

namespace RawTls.Server.Internal;

/// <summary>
/// The transport under <see cref="System.Net.Security.SslStream"/>: a minimal <see cref="Stream"/> over a socket
/// whose receives, sends and zero-byte (idle) waits reuse three pooled event args. Unlike <see cref="NetworkStream"/>
/// it allocates nothing per connection or per operation once the pool is warm (measured: perf-results/benchmarks).
/// SslStream issues at most one read and one write at a time, which is what the event args assume.
/// </summary>
internal sealed class SocketStream : Stream
{
    private readonly SocketAwaitableEventArgs _receiveArgs = new();
    private readonly SocketAwaitableEventArgs _sendArgs = new();
    private readonly IdleWaitEventArgs _idleArgs = new();
    private Socket? _socket;

    public Socket Socket => _socket!;

    /// <summary>When the last read was issued (<see cref="Environment.TickCount64"/>), for idle timeouts.</summary>
    public long LastReadStarted => Volatile.Read(ref _lastReadStarted);

    private long _lastReadStarted;

    public void Attach(Socket socket)
    {
        _socket = socket;
        _lastReadStarted = Environment.TickCount64;
    }

    /// <summary>Releases the socket reference so the instance can be pooled.</summary>
    public void Detach()
    {
        _socket = null;
        _receiveArgs.Clear();
        _sendArgs.Clear();
        _idleArgs.Clear();
    }

    /// <summary>False while a cancelled idle wait's receive is still in the (closed) socket: then it must not be pooled.</summary>
    public bool Reusable => !_idleArgs.HasOutstandingReceive;

    /// <summary>Completes when the peer has sent something (or closed): the ClientHello wait before the handshake.</summary>
    public ValueTask<int> WaitForDataAsync() => _idleArgs.WaitAsync(_socket!, CancellationToken.None);

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _lastReadStarted = Environment.TickCount64;
        if (buffer.IsEmpty && cancellationToken.CanBeCanceled)
        {
            // A zero-byte read is how the pipe reader (through SslStream) waits for an idle client. It must honour
            // its token, or a handler's Input.ReadAsync(ServerStopping) and Input.CancelPendingRead() never return
            // and a graceful stop degrades into an abort at the deadline. A zero-byte receive holds no buffer, so a
            // cancelled wait only detaches its waiter (see IdleWaitEventArgs).
            return _idleArgs.WaitAsync(_socket!, cancellationToken);
        }

        // Reads that carry data complete as soon as the bytes a zero-byte read announced are there. They are not
        // cancellable: a peer stalled mid-record is ended by aborting the socket (timeouts, server stop).
        return _receiveArgs.ReceiveAsync(_socket!, buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
#pragma warning disable CA2012 // consumed exactly once: either .Result here or the await in WriteSlowAsync
        ValueTask<int> send = _sendArgs.SendAsync(_socket!, buffer);
        if (send.IsCompletedSuccessfully)
        {
            int sent = send.Result;
            return sent == buffer.Length ? default : WriteSlowAsync(new ValueTask<int>(sent), buffer);
        }

        return WriteSlowAsync(send, buffer);
#pragma warning restore CA2012
    }

    private async ValueTask WriteSlowAsync(ValueTask<int> pending, ReadOnlyMemory<byte> buffer)
    {
        while (true)
        {
            int sent = await pending.ConfigureAwait(false);
            buffer = buffer[sent..];
            if (buffer.IsEmpty)
            {
                return;
            }

            pending = _sendArgs.SendAsync(_socket!, buffer);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => _socket!.Receive(buffer, offset, count, SocketFlags.None);

    public override void Write(byte[] buffer, int offset, int count)
    {
        var span = buffer.AsSpan(offset, count);
        while (!span.IsEmpty)
        {
            span = span[_socket!.Send(span, SocketFlags.None)..];
        }
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Disposing the stream does not close the socket: the connection owns it.</summary>
    protected override void Dispose(bool disposing) => base.Dispose(disposing);

    /// <summary>Frees the event args for good (pool trimming).</summary>
    public void DisposeArgs()
    {
        _receiveArgs.Dispose();
        _sendArgs.Dispose();
        _idleArgs.Dispose();
    }
}
