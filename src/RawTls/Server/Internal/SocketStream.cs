using System.Net.Sockets;

namespace RawTls.Server.Internal;

/// <summary>
/// The fallback transport: the runtime's socket engine, with receives, sends and zero-byte (idle) waits on three
/// pooled event args. Unlike <see cref="NetworkStream"/> it allocates nothing per connection or per operation once the
/// pool is warm (measured: perf-results/benchmarks).
/// </summary>
internal sealed class SocketStream : TransportStream
{
    private readonly SocketAwaitableEventArgs _receiveArgs = new();
    private readonly SocketAwaitableEventArgs _sendArgs = new();
    private readonly IdleWaitEventArgs _idleArgs = new();

    public override void Detach()
    {
        base.Detach();
        _receiveArgs.Clear();
        _sendArgs.Clear();
        _idleArgs.Clear();
    }

    /// <summary>False while a cancelled idle wait's receive is still in the (closed) socket.</summary>
    public override bool Reusable => !_idleArgs.HasOutstandingReceive;

    public override ValueTask<int> WaitForDataAsync() => _idleArgs.WaitAsync(Socket, CancellationToken.None);

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, SocketFlags flags) => Socket.ReceiveAsync(buffer, flags);

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> DiscardAsync(Memory<byte> buffer)
    {
        try
        {
            return await _receiveArgs.ReceiveAsync(Socket, buffer).ConfigureAwait(false);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ReadStarted();
        if (buffer.IsEmpty && cancellationToken.CanBeCanceled)
        {
            // A zero-byte read is how the pipe reader (through SslStream) waits for an idle client. It must honour
            // its token, or a handler's Input.ReadAsync(ServerStopping) and Input.CancelPendingRead() never return
            // and a graceful stop degrades into an abort at the deadline. A zero-byte receive holds no buffer, so a
            // cancelled wait only detaches its waiter (see IdleWaitEventArgs).
            return _idleArgs.WaitAsync(Socket, cancellationToken);
        }

        // Reads that carry data complete as soon as the bytes a zero-byte read announced are there. They are not
        // cancellable: a peer stalled mid-record is ended by aborting the socket (timeouts, server stop).
        return _receiveArgs.ReceiveAsync(Socket, buffer);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
#pragma warning disable CA2012 // consumed exactly once: either .Result here or the await in WriteSlowAsync
        ValueTask<int> send = _sendArgs.SendAsync(Socket, buffer);
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

            pending = _sendArgs.SendAsync(Socket, buffer);
        }
    }

    public override void DisposeArgs()
    {
        _receiveArgs.Dispose();
        _sendArgs.Dispose();
        _idleArgs.Dispose();
    }
}
