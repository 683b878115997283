using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace RawTls.Server.Internal;

/// <summary>
/// A reusable <see cref="SocketAsyncEventArgs"/> that is its own <see cref="IValueTaskSource{TResult}"/>:
/// one instance serves every receive (or send) of a connection and is pooled across connections,
/// so socket I/O allocates nothing per operation or per connection.
/// </summary>
internal sealed class SocketAwaitableEventArgs : SocketAsyncEventArgs, IValueTaskSource<int>
{
    private ManualResetValueTaskSourceCore<int> _core;

    public SocketAwaitableEventArgs()
        : base(unsafeSuppressExecutionContextFlow: true)
    {
        // Completions already run on the socket engine's thread-pool work item; running the
        // continuation inline there saves a second hop.
        _core.RunContinuationsAsynchronously = false;
    }

    public ValueTask<int> ReceiveAsync(Socket socket, Memory<byte> buffer)
    {
        _core.Reset();
        SetBuffer(buffer);
        if (socket.ReceiveAsync(this))
        {
            return new ValueTask<int>(this, _core.Version);
        }

        return CompletedSynchronously();
    }

    public ValueTask<int> SendAsync(Socket socket, ReadOnlyMemory<byte> buffer)
    {
        _core.Reset();
        SetBuffer(System.Runtime.InteropServices.MemoryMarshal.AsMemory(buffer));
        if (socket.SendAsync(this))
        {
            return new ValueTask<int>(this, _core.Version);
        }

        return CompletedSynchronously();
    }

    /// <summary>Drops buffer references so a pooled instance does not pin memory it no longer owns.</summary>
    public void Clear() => SetBuffer(null, 0, 0);

    private ValueTask<int> CompletedSynchronously()
    {
        int bytes = BytesTransferred;
        SocketError error = SocketError;
        return error == SocketError.Success
            ? new ValueTask<int>(bytes)
            : ValueTask.FromException<int>(ThrowHelper.CreateSocketException(error));
    }

    protected override void OnCompleted(SocketAsyncEventArgs e)
    {
        Debug.Assert(ReferenceEquals(e, this));
        SocketError error = SocketError;
        if (error == SocketError.Success)
        {
            _core.SetResult(BytesTransferred);
        }
        else
        {
            _core.SetException(ThrowHelper.CreateSocketException(error));
        }
    }

    int IValueTaskSource<int>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
