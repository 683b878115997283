using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace RawTls.Server.Internal;

/// <summary>
/// The cancellable zero-byte receive an idle connection waits in, on a pooled <see cref="SocketAsyncEventArgs"/>.
/// A socket operation cannot be withdrawn, but a zero-byte receive holds no buffer and consumes nothing, so
/// cancelling only detaches the waiter: the receive stays outstanding and the next wait adopts it instead of
/// starting another. Reads with data use the connection's other event args and queue behind it in the socket.
/// </summary>
internal sealed class IdleWaitEventArgs : SocketAsyncEventArgs, IValueTaskSource<int>
{
    private const int Idle = 0;
    private const int Waiting = 1;
    private const int Done = 2;

    private static readonly Action<object?> s_cancel = static s => ((IdleWaitEventArgs)s!).OnCancel();

    private ManualResetValueTaskSourceCore<int> _core;
    private CancellationTokenRegistration _registration;
    private CancellationToken _token;
    private int _state;
    private volatile bool _outstanding; // a receive is in the socket, whether or not anyone waits for it

    public IdleWaitEventArgs()
        : base(unsafeSuppressExecutionContextFlow: true)
    {
        _core.RunContinuationsAsynchronously = false;
    }

    /// <summary>A receive is still in the socket (a cancelled wait's): the instance must not be reused elsewhere yet.</summary>
    public bool HasOutstandingReceive => _outstanding;

    public ValueTask<int> WaitAsync(Socket socket, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        _core.Reset();
        _token = cancellationToken;
        Volatile.Write(ref _state, Waiting);
        if (!_outstanding)
        {
            _outstanding = true;
            SetBuffer(Memory<byte>.Empty);
            if (!socket.ReceiveAsync(this))
            {
                _outstanding = false;
                Volatile.Write(ref _state, Idle);
                return SocketError == SocketError.Success
                    ? new ValueTask<int>(0)
                    : ValueTask.FromException<int>(ThrowHelper.CreateSocketException(SocketError));
            }
        }

        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(s_cancel, this);
        }

        return new ValueTask<int>(this, _core.Version);
    }

    /// <summary>Resets for the next connection; only called when no receive is outstanding.</summary>
    public void Clear()
    {
        _registration = default;
        _token = default;
        Volatile.Write(ref _state, Idle);
    }

    protected override void OnCompleted(SocketAsyncEventArgs e)
    {
        SocketError error = SocketError;
        _outstanding = false; // before the state flip: a wait that starts after it issues a fresh receive
        if (Interlocked.CompareExchange(ref _state, Done, Waiting) != Waiting)
        {
            return; // its waiter was cancelled and nobody adopted it; a later wait starts anew
        }

        _registration.Unregister();
        if (error == SocketError.Success)
        {
            _core.SetResult(0);
        }
        else
        {
            _core.SetException(ThrowHelper.CreateSocketException(error));
        }
    }

    private void OnCancel()
    {
        if (Interlocked.CompareExchange(ref _state, Done, Waiting) == Waiting)
        {
            _core.SetException(new OperationCanceledException(_token));
        }
    }

    int IValueTaskSource<int>.GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _registration.Unregister();
        }
    }

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
