namespace RawTls.Server.Internal.Epoll;

/// <summary>
/// The events one <c>epoll_wait</c> returned. Events are claimed one at a time with an interlocked cursor, so a
/// poller started to rescue a blocked one can take the rest of its batch while the blocked event is still running.
/// The buffer is pinned managed memory: a batch abandoned to a rescuer is freed by the GC once neither uses it.
/// </summary>
internal sealed unsafe class EpollBatch
{
    public const int Capacity = 128;

    private readonly byte[] _buffer = GC.AllocateArray<byte>(Capacity * EpollInterop.EventSize, pinned: true);
    private int _count;
    private int _cursor;

    public byte* Events => (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _buffer[0]);

    public void Filled(int count)
    {
        _count = count;
        Volatile.Write(ref _cursor, 0);
    }

    /// <summary>The next unclaimed event's index, or -1 when the batch is done.</summary>
    public int Claim()
    {
        int index = Interlocked.Increment(ref _cursor) - 1;
        return index < Volatile.Read(ref _count) ? index : -1;
    }
}
