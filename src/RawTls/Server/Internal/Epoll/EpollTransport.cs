using Microsoft.Extensions.Logging;
using RawTls.Diagnostics;

namespace RawTls.Server.Internal.Epoll;

/// <summary>
/// A server's readiness loops (one per core), the registry their events resolve through, and the watchdog that
/// keeps a blocking handler from stalling anyone else: every <see cref="WatchIntervalMilliseconds"/> it asks each
/// loop to rescue a thread stuck in one event for <see cref="StallMilliseconds"/> while nobody waits.
/// </summary>
internal sealed class EpollTransport : IDisposable
{
    /// <summary>How long one event may hold a loop's only thread before another takes over.</summary>
    internal const long StallMilliseconds = 25;

    private const int WatchIntervalMilliseconds = 10;
    private const int MaxThreadsPerLoop = 64;
    private const long ReportIntervalMilliseconds = 10_000;

    private readonly EpollRegistry _registry;
    private readonly EpollLoop[] _loops;
    private volatile bool _stopped;
    private readonly ILogger _logger;
    private int _next;

    public EpollTransport(int capacity, int loops, ILogger logger)
    {
        _logger = logger;
        _registry = new EpollRegistry(capacity);
        _loops = new EpollLoop[Math.Max(1, loops)];
        for (int i = 0; i < _loops.Length; i++)
        {
            _loops[i] = EpollLoop.Create(_registry, MaxThreadsPerLoop, "RawTls I/O");
        }

        var watchdog = new Thread(static s => ((EpollTransport)s!).Watch())
        {
            IsBackground = true,
            Name = "RawTls I/O watchdog",
        };
        watchdog.UnsafeStart(this);
    }

    /// <summary>Rescues so far: how often a handler held a loop's thread past <see cref="StallMilliseconds"/>.</summary>
    public long Rescues
    {
        get
        {
            long rescues = 0;
            foreach (EpollLoop loop in _loops)
            {
                rescues += loop.Rescues;
            }

            return rescues;
        }
    }

    /// <summary>Adds an attached stream under its connection slot; false if the kernel refused it.</summary>
    public bool Register(EpollSocketStream stream, int slot)
    {
        _registry.Set(slot, stream);
        EpollLoop loop = _loops[(uint)Interlocked.Increment(ref _next) % (uint)_loops.Length];
        if (stream.Register(loop, slot))
        {
            return true;
        }

        _registry.Set(slot, null);
        return false;
    }

    /// <summary>
    /// Puts a listener on the first loop, which accepts for all and hands each connection to the loops in turn. One
    /// accepting loop never races another for the same connection (each lost race is a WouldBlock exception); an
    /// accept costs microseconds against a handshake's hundreds, so it does not limit the other loops.
    /// </summary>
    public bool AddListener(System.Net.Sockets.Socket listener, TlsServer server, ProxyProtocolSettings? proxy)
    {
        int index = _registry.AddAcceptor(new EpollAcceptor(listener, server, proxy));
        if (_loops[0].AddListener(listener, index))
        {
            return true;
        }

        listener.Blocking = true;
        return false;
    }

    /// <summary>The slot's connection finished: later events for it are dropped.</summary>
    public void Unregister(int slot) => _registry.Set(slot, null);

    public void Dispose()
    {
        _stopped = true;
        foreach (EpollLoop loop in _loops)
        {
            loop.Stop();
        }
    }

    private void Watch()
    {
        long reported = 0;
        long lastReport = Environment.TickCount64;
        long lastTick = lastReport;
        while (!_stopped)
        {
            Thread.Sleep(WatchIntervalMilliseconds); // a plain sleep: an event's wait would spin (sched_yield) first, 100 times a second

            long now = Environment.TickCount64;
            bool starved = now - lastTick > StallMilliseconds; // the watchdog itself waited for a core: so did the loops
            lastTick = now;
            if (!starved)
            {
                foreach (EpollLoop loop in _loops)
                {
                    loop.RescueStalled(now, StallMilliseconds);
                    loop.ResumeListeners(now);
                }
            }

            long rescues = Rescues;
            if (rescues != reported && now - lastReport >= ReportIntervalMilliseconds)
            {
                Log.HandlerStalledIoThread(_logger, rescues - reported, StallMilliseconds, (now - lastReport) / 1000.0);
                reported = rescues;
                lastReport = now;
            }
        }
    }
}
