namespace RawTls.Server.Internal.Epoll;

/// <summary>
/// The registered streams by connection slot. An event names a slot and the generation the stream had when it was
/// registered; an event that outlived its socket (the slot was freed, or its stream reattached) finds another
/// generation and is dropped.
/// </summary>
internal sealed class EpollRegistry
{
    /// <summary>The generation listeners are registered with; streams never get it.</summary>
    public const uint ListenerGeneration = 0;

    private readonly EpollSocketStream?[] _streams;
    private EpollAcceptor[] _acceptors = [];

    public EpollRegistry(int capacity) => _streams = new EpollSocketStream?[capacity];

    /// <summary>Adds a listener (at start, before it is registered); its index is the slot its events carry.</summary>
    public int AddAcceptor(EpollAcceptor acceptor)
    {
        EpollAcceptor[] grown = [.. _acceptors, acceptor];
        Volatile.Write(ref _acceptors, grown);
        return grown.Length - 1;
    }

    public void Set(int slot, EpollSocketStream? stream) => Volatile.Write(ref _streams[slot], stream);

    /// <summary>Returns false for a listener whose accept failed: the loop pauses it.</summary>
    public bool Dispatch(int slot, uint generation, uint events)
    {
        if (generation == ListenerGeneration)
        {
            EpollAcceptor[] acceptors = Volatile.Read(ref _acceptors);
            return (uint)slot >= (uint)acceptors.Length || acceptors[slot].OnReadable();
        }

        if ((uint)slot < (uint)_streams.Length)
        {
            EpollSocketStream? stream = Volatile.Read(ref _streams[slot]);
            if (stream is not null && stream.Generation == generation)
            {
                stream.OnEvents(events);
            }
        }

        return true;
    }

    public EpollAcceptor Acceptor(int index) => Volatile.Read(ref _acceptors)[index];
}
