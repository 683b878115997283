using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace RawTls.Server.Internal.Epoll;

/// <summary>
/// One epoll instance and the threads that wait on it. Normally one thread: it waits, then runs each event's
/// continuation itself (handshake, pipes, handler) with no hand-off. Handler code may block, so the owner's
/// watchdog calls <see cref="RescueStalled"/>: when no thread is waiting and one has spent too long in a single
/// event, another thread starts, takes the rest of the stalled batch and waits in its place. Threads above one
/// retire once another one waits again.
/// </summary>
internal sealed unsafe class EpollLoop
{
    /// <summary>The event data of the loop's own stop signal (an eventfd), outside the slot range.</summary>
    private const ulong WakeData = ulong.MaxValue;

    private readonly int _epfd;
    private readonly int _wakeFd;
    private readonly EpollRegistry _registry;
    private readonly EpollPoller?[] _pollers;
    private readonly string _name;
    private const int PauseMilliseconds = 10;

    private long _rescues;
    private int _paused;
    private long[] _pausedUntil = []; // per listener index: when a paused listener listens again (0: not paused)
    private int _threads;
    private int _waiting;
    private volatile bool _stopping;

    private EpollLoop(int epfd, int wakeFd, EpollRegistry registry, int maxThreads, string name)
    {
        _epfd = epfd;
        _wakeFd = wakeFd;
        _registry = registry;
        _pollers = new EpollPoller?[maxThreads];
        _name = name;
    }

    /// <summary>Rescuers started so far.</summary>
    public long Rescues => Interlocked.Read(ref _rescues);

    public static EpollLoop Create(EpollRegistry registry, int maxThreads, string name)
    {
        int epfd = EpollInterop.epoll_create1(EpollInterop.CloseOnExec);
        if (epfd < 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError());
        }

        int wake = EpollInterop.eventfd(0, EpollInterop.CloseOnExec | EpollInterop.NonBlocking);
        if (wake < 0 || EpollInterop.Control(epfd, EpollInterop.Add, wake, EpollInterop.In, WakeData) != 0)
        {
            int error = Marshal.GetLastPInvokeError();
            if (wake >= 0)
            {
                EpollInterop.close(wake);
            }

            EpollInterop.close(epfd);
            throw new SocketException(error);
        }

        var loop = new EpollLoop(epfd, wake, registry, maxThreads, name);
        loop.StartThread(null);
        return loop;
    }

    /// <summary>Registers a socket, edge-triggered, for <paramref name="events"/> and hang-ups.</summary>
    public bool Add(Socket socket, int slot, uint generation, uint events) => Control(socket, EpollInterop.Add, slot, generation, events, edge: true);

    /// <summary>Registers a listener level-triggered: the loop is told again while connections are queued.</summary>
    public bool AddListener(Socket listener, int index)
    {
        if (_pausedUntil.Length <= index)
        {
            Array.Resize(ref _pausedUntil, index + 1); // at start, before the listener can report anything
        }

        return Control(listener, EpollInterop.Add, index, EpollRegistry.ListenerGeneration, EpollInterop.In, edge: false);
    }

    /// <summary>Stops reporting a listener (paused after an accept error; added again later).</summary>
    public void RemoveListener(Socket listener) => Control(listener, EpollInterop.Delete, 0, 0, 0, edge: false);

    /// <summary>Changes what a registered socket reports (writes are watched only once a send found it full).</summary>
    public bool Modify(Socket socket, int slot, uint generation, uint events) => Control(socket, EpollInterop.Modify, slot, generation, events, edge: true);

    private bool Control(Socket socket, int op, int slot, uint generation, uint events, bool edge)
    {
        // The reference keeps the descriptor open, so its number cannot be reused by another socket during the call.
        SafeSocketHandle handle = socket.SafeHandle;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            ulong data = ((ulong)generation << 32) | (uint)slot;
            uint mask = edge ? events | EpollInterop.ReadHangUp | EpollInterop.EdgeTriggered : events;
            return EpollInterop.Control(_epfd, op, (int)handle.DangerousGetHandle(), mask, data) == 0;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// The watchdog's check: if no thread waits and one has been inside a single event for at least
    /// <paramref name="stallMilliseconds"/>, start a thread that takes over the rest of that thread's batch.
    /// </summary>
    public bool RescueStalled(long now, long stallMilliseconds)
    {
        if (_stopping || Volatile.Read(ref _waiting) > 0 || Volatile.Read(ref _threads) >= _pollers.Length)
        {
            return false;
        }

        foreach (EpollPoller? poller in _pollers)
        {
            if (poller is not null && poller.State == EpollPoller.Dispatching && now - poller.BusySince >= stallMilliseconds
                && poller.TryMarkRescued())
            {
                Interlocked.Increment(ref _rescues);
                return StartThread(poller.Current);
            }
        }

        return false;
    }

    /// <summary>Stops the loop: every thread leaves at its next wake-up; the last one closes the descriptors.</summary>
    public void Stop()
    {
        _stopping = true;
        long one = 1;
        EpollInterop.write(_wakeFd, &one, sizeof(long)); // level-triggered and never read: wakes every waiter
    }

    private bool StartThread(EpollBatch? rescue)
    {
        var poller = new EpollPoller(new EpollBatch(), rescue);
        int index = Array.IndexOf(_pollers, null);
        if (index < 0 || Interlocked.CompareExchange(ref _pollers[index], poller, null) is not null)
        {
            return false;
        }

        Interlocked.Increment(ref _threads);
        var thread = new Thread(static s => ((PollerStart)s!).Run())
        {
            IsBackground = true,
            Name = _name,
        };
        thread.UnsafeStart(new PollerStart(this, poller, index));
        return true;
    }

    private sealed record PollerStart(EpollLoop Loop, EpollPoller Poller, int Index)
    {
        public void Run() => Loop.Poll(Poller, Index);
    }

    private void Poll(EpollPoller poller, int index)
    {
        if (poller.Rescue is { } stalled)
        {
            poller.BeginDispatch(stalled);
            Drain(stalled, poller);
            poller.Rescue = null;
            poller.EndDispatch(); // if this one was rescued in turn, the batch it lost was the stalled one, not its own
        }

        while (!_stopping)
        {
            Interlocked.Increment(ref _waiting);
            int n = EpollInterop.epoll_wait(_epfd, poller.Batch.Events, EpollBatch.Capacity, -1);
            Interlocked.Decrement(ref _waiting);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == EpollInterop.Interrupted)
                {
                    continue;
                }

                break; // the descriptor is gone: nothing more can arrive
            }

            poller.Batch.Filled(n);
            poller.BeginDispatch(poller.Batch);
            Drain(poller.Batch, poller);
            if (poller.EndDispatch())
            {
                poller.Batch = new EpollBatch(); // the old one belongs to the rescuer now
            }

            if (Volatile.Read(ref _waiting) > 0 && TryRetire())
            {
                Volatile.Write(ref _pollers[index], null);
                return;
            }
        }

        Volatile.Write(ref _pollers[index], null);
        if (Interlocked.Decrement(ref _threads) == 0)
        {
            EpollInterop.close(_wakeFd);
            EpollInterop.close(_epfd);
        }
    }

    /// <summary>An accept failed (EMFILE): stop listening for a while; <see cref="ResumeListeners"/> adds it back.</summary>
    private void PauseListener(int index)
    {
        RemoveListener(_registry.Acceptor(index).Listener);
        Volatile.Write(ref _pausedUntil[index], Environment.TickCount64 + PauseMilliseconds);
        Volatile.Write(ref _paused, 1);
    }

    /// <summary>The watchdog's call: paused listeners whose time is up listen again.</summary>
    public void ResumeListeners(long now)
    {
        if (Volatile.Read(ref _paused) == 0)
        {
            return;
        }

        bool still = false;
        for (int i = 0; i < _pausedUntil.Length; i++)
        {
            long until = Volatile.Read(ref _pausedUntil[i]);
            if (until != 0 && now >= until)
            {
                Volatile.Write(ref _pausedUntil[i], 0);
                AddListener(_registry.Acceptor(i).Listener, i);
            }
            else if (until != 0)
            {
                still = true;
            }
        }

        Volatile.Write(ref _paused, still ? 1 : 0);
    }

    private bool TryRetire()
    {
        while (true)
        {
            int threads = Volatile.Read(ref _threads);
            if (threads <= 1)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _threads, threads - 1, threads) == threads)
            {
                return true;
            }
        }
    }

    private void Drain(EpollBatch batch, EpollPoller poller)
    {
        byte* events = batch.Events;
        for (int i = batch.Claim(); i >= 0; i = batch.Claim())
        {
            ulong data = EpollInterop.DataAt(events, i);
            if (data == WakeData)
            {
                continue;
            }

            poller.StartEvent();
            if (!_registry.Dispatch((int)(uint)data, (uint)(data >> 32), EpollInterop.EventsAt(events, i)))
            {
                PauseListener((int)(uint)data);
            }
        }
    }
}
