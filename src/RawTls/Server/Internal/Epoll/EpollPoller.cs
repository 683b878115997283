namespace RawTls.Server.Internal.Epoll;

/// <summary>One thread waiting on an <see cref="EpollLoop"/>, and what its watchdog needs to see a stall.</summary>
internal sealed class EpollPoller
{
    public const int Waiting = 0;
    public const int Dispatching = 1;
    public const int Rescued = 2;

    private int _state;
    private long _busySince;

    public EpollPoller(EpollBatch batch, EpollBatch? rescue)
    {
        Batch = batch;
        Rescue = rescue;
    }

    /// <summary>The poller's own batch; replaced when a rescuer took over the old one.</summary>
    public EpollBatch Batch { get; set; }

    /// <summary>A stalled poller's batch this one drains first (a rescuer only).</summary>
    public EpollBatch? Rescue { get; set; }

    /// <summary>When the event now being dispatched started (<see cref="Environment.TickCount64"/>).</summary>
    public long BusySince => Volatile.Read(ref _busySince);

    public int State => Volatile.Read(ref _state);

    public void StartEvent() => Volatile.Write(ref _busySince, Environment.TickCount64);

    /// <summary>The batch being drained now (its own, or a rescued one): what a rescuer of this poller takes.</summary>
    public EpollBatch? Current { get; private set; }

    public void BeginDispatch(EpollBatch batch)
    {
        Current = batch;
        Interlocked.Exchange(ref _state, Dispatching); // publishes Current and the batch's contents to the watchdog
    }

    /// <summary>True when a rescuer took this poller's batch meanwhile: the poller needs a fresh one.</summary>
    public bool EndDispatch()
    {
        if (Interlocked.CompareExchange(ref _state, Waiting, Dispatching) == Dispatching)
        {
            return false;
        }

        Volatile.Write(ref _state, Waiting);
        return true;
    }

    /// <summary>The watchdog's claim on a stalled poller's batch; fails if the poller finished meanwhile.</summary>
    public bool TryMarkRescued() => Interlocked.CompareExchange(ref _state, Rescued, Dispatching) == Dispatching;
}
