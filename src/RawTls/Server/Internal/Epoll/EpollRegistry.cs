namespace RawTls.Server.Internal.Epoll;

/// <summary>
/// The registered streams by connection slot. An event names a slot and the generation the stream had when it was
/// registered; an event that outlived its socket (the slot was freed, or its stream reattached) finds another
/// generation and is dropped.
/// </summary>
internal sealed class EpollRegistry
{
    private readonly EpollSocketStream?[] _streams;

    public EpollRegistry(int capacity) => _streams = new EpollSocketStream?[capacity];

    public void Set(int slot, EpollSocketStream? stream) => Volatile.Write(ref _streams[slot], stream);

    public void Dispatch(int slot, uint generation, uint events)
    {
        if ((uint)slot < (uint)_streams.Length)
        {
            EpollSocketStream? stream = Volatile.Read(ref _streams[slot]);
            if (stream is not null && stream.Generation == generation)
            {
                stream.OnEvents(events);
            }
        }
    }
}
