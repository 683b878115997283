namespace RawTls.Server.Internal;

/// <summary>
/// Fixed-capacity table of live connections. Its capacity is the connection limit: a full table refuses
/// the connection. Slots come from a lock-free free list (a tagged Treiber stack, so no ABA), and the
/// heartbeat scans the slots for handshake and idle deadlines without any lock or per-connection timer.
/// </summary>
internal sealed class ConnectionTable<T>
    where T : class
{
    private readonly T?[] _slots;
    private readonly int[] _next;
    private long _head; // high 32 bits: tag; low 32 bits: index + 1 of the first free slot (0 = none)
    private int _count;

    public ConnectionTable(int capacity)
    {
        _slots = new T?[capacity];
        _next = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            _next[i] = i + 1 < capacity ? i + 1 : -1;
        }

        _head = capacity > 0 ? 1 : 0;
    }

    public int Capacity => _slots.Length;

    public int Count => Volatile.Read(ref _count);

    public bool TryAdd(T connection, out int slot)
    {
        while (true)
        {
            long head = Volatile.Read(ref _head);
            int index = (int)(uint)head - 1;
            if (index < 0)
            {
                slot = -1;
                return false;
            }

            int next = Volatile.Read(ref _next[index]);
            long newHead = (((head >>> 32) + 1) << 32) | (uint)(next + 1);
            if (Interlocked.CompareExchange(ref _head, newHead, head) == head)
            {
                Volatile.Write(ref _slots[index], connection);
                Interlocked.Increment(ref _count);
                slot = index;
                return true;
            }
        }
    }

    public void Remove(int slot)
    {
        Volatile.Write(ref _slots[slot], null);
        Interlocked.Decrement(ref _count);
        while (true)
        {
            long head = Volatile.Read(ref _head);
            Volatile.Write(ref _next[slot], (int)(uint)head - 1);
            long newHead = (((head >>> 32) + 1) << 32) | (uint)(slot + 1);
            if (Interlocked.CompareExchange(ref _head, newHead, head) == head)
            {
                return;
            }
        }
    }

    /// <summary>The connection in <paramref name="slot"/>, or null. For scans; the result may close at any time.</summary>
    public T? this[int slot] => Volatile.Read(ref _slots[slot]);
}
