using System.Threading.Tasks.Sources;

namespace RawTls.Server.Internal.Epoll;

/// <summary>
/// One direction (read or write) of an edge-triggered socket: a count of readiness events and a waiter. The loop
/// only counts and wakes; the awaiting code does the I/O itself and retries, so a spurious wake-up costs one
/// EAGAIN and a missed one cannot happen: a waiter re-checks the count after publishing itself.
/// </summary>
internal sealed class Readiness : IValueTaskSource<int>
{
    private const int Idle = 0;
    private const int Waiting = 1;

    private static readonly Action<object?> s_cancel = static s => ((Readiness)s!).OnCancel();

    private ManualResetValueTaskSourceCore<int> _core;
    private CancellationTokenRegistration _registration;
    private CancellationToken _token;
    private long _events;     // incremented by the loop for every event of this direction
    private long _drainedAt;  // _events as it was when the socket was last found empty in this direction
    private int _state;
    private int _hungUp;      // the peer closed (or the socket failed): every wait completes at once from now on

    public Readiness() => _core.RunContinuationsAsynchronously = false; // the loop's thread runs the continuation: no hop

    /// <summary>The count to pass to <see cref="MarkDrained"/> when the I/O about to be tried finds the socket empty.</summary>
    public long Snapshot() => Volatile.Read(ref _events);

    /// <summary>The socket was empty (EAGAIN, or a short read) as of <paramref name="snapshot"/>: wait for a newer event.</summary>
    public void MarkDrained(long snapshot) => Volatile.Write(ref _drainedAt, snapshot);

    /// <summary>
    /// The socket said EAGAIN as of <paramref name="snapshot"/>. A real hang-up never answers EAGAIN (a read then gets EOF
    /// or the error, a write the error), so a hang-up flag seen with it came from a late event of the socket this
    /// instance served before: it is dropped rather than left to turn every wait into a busy retry.
    /// </summary>
    public void MarkEmpty(long snapshot)
    {
        Volatile.Write(ref _hungUp, 0);
        Volatile.Write(ref _drainedAt, snapshot);
    }

    /// <summary>A new socket: no event since it was last found empty; the next one will come from the loop.</summary>
    public void Reset()
    {
        Volatile.Write(ref _hungUp, 0);
        Volatile.Write(ref _drainedAt, Volatile.Read(ref _events));
    }

    // After a hang-up no further edge comes, yet the socket stays readable (EOF) or writable (the error): a read
    // that emptied the data in front of the FIN must not make the next wait sleep.
    private bool MaybeReady => Volatile.Read(ref _hungUp) != 0 || Volatile.Read(ref _events) != Volatile.Read(ref _drainedAt);

    /// <summary>From the loop: the peer closed its side, or the socket failed; readiness for good.</summary>
    public void SignalHangUp()
    {
        Volatile.Write(ref _hungUp, 1);
        Signal();
    }

    /// <summary>From the loop (or an abort): new readiness; wakes the waiter, if any, on this thread.</summary>
    public void Signal()
    {
        Interlocked.Increment(ref _events);
        if (Volatile.Read(ref _state) == Waiting && Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
        {
            _core.SetResult(0);
        }
    }

    /// <summary>Completes (with 0) once the socket may have something: at once if an event came since it was drained.</summary>
    public ValueTask<int> WaitAsync(CancellationToken cancellationToken)
    {
        if (MaybeReady)
        {
            return new ValueTask<int>(0);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        _core.Reset();
        _token = cancellationToken;
        if (cancellationToken.CanBeCanceled)
        {
            // Registered before the waiter is published, so a cancellation cannot fall between the two.
            _registration = cancellationToken.UnsafeRegister(s_cancel, this);
        }

        Interlocked.Exchange(ref _state, Waiting);
        if ((MaybeReady || cancellationToken.IsCancellationRequested) && Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
        {
            _registration.Dispose();
            _registration = default;
            return cancellationToken.IsCancellationRequested && !MaybeReady ? ValueTask.FromCanceled<int>(cancellationToken) : new ValueTask<int>(0);
        }

        return new ValueTask<int>(this, _core.Version);
    }

    /// <summary>
    /// Runs <paramref name="callback"/> on the loop's thread at the first event, so nothing of the connection runs on
    /// the thread that registers it. False when an event already came: the caller must start the work elsewhere.
    /// </summary>
    public bool TryOnReady(Action<object?> callback, object state)
    {
        if (MaybeReady)
        {
            return false;
        }

        _core.Reset();
        _token = default;
        _core.OnCompleted(callback, state, _core.Version, ValueTaskSourceOnCompletedFlags.None);
        Interlocked.Exchange(ref _state, Waiting);

        // An event between the check and the publication found no waiter; then the attached callback stays dormant
        // (the next wait's reset drops it) and the caller starts the work itself.
        return !(MaybeReady && Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting);
    }

    private void OnCancel()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
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
            _registration = default;
        }
    }

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
