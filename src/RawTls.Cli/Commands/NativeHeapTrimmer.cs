namespace RawTls.Cli.Commands;

/// <summary>
/// Gives freed native memory back to the system for the serve process: <see cref="NativeHeap.Trim"/> every
/// <see cref="Period"/>, and every <see cref="CheckPeriod"/> while the JIT is compiling. Freed memory stays resident in
/// its glibc arena until the chunks above it are free too, and in a server they rarely are: handshake buffers and
/// OpenSSL's short-lived objects keep raising each arena's high-water mark. In the soak the arenas' RSS went from 14 to
/// 26 MB in ten minutes while the memory in use stayed at 5-14 MB (heaptrack), and one malloc_trim(0) released 10 of 20 MB.
/// <para>
/// The JIT needs one more step (a runtime quirk): it compiles in 64 KiB slabs that the runtime keeps in a cache of up
/// to 16 MB and frees only from its finalizer thread (at most once per two seconds), and that thread runs after a
/// collection, which a server with a 5 MB heap may not see for minutes. A batch of tier-1 compilations (the code a
/// certificate rotation runs reaching its call count) so held 6-8 MB for seconds (perf: the arena growth comes from
/// libclrjit's operator new). While the JIT count moves, and for <see cref="JitSettleChecks"/> checks after, each check
/// runs a generation-0 collection (under a millisecond on this heap) so the finalizer thread releases the slabs, then trims.
/// </para>
/// </summary>
internal sealed class NativeHeapTrimmer : IDisposable
{
    /// <summary>The longest a trim waits without JIT activity: short against minute-scale growth, long against its cost.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    /// <summary>How often the JIT count is read.</summary>
    public static readonly TimeSpan CheckPeriod = TimeSpan.FromSeconds(1);

    /// <summary>Checks after the last JIT movement that still release: the runtime frees its slab cache in two steps two seconds apart.</summary>
    public const int JitSettleChecks = 3;

    private static readonly int ChecksPerPeriod = (int)(Period.Ticks / CheckPeriod.Ticks);

    private readonly ITimer? _timer;
    private readonly Func<long> _compiledMethods;
    private long _lastCompiled;
    private int _checksSinceJit = JitSettleChecks;
    private int _checksSinceTrim;
    private long _trims;
    private long _collections;

    /// <summary>Starts checking every <see cref="CheckPeriod"/> on <paramref name="time"/>; does nothing where there is no malloc_trim.</summary>
    public NativeHeapTrimmer(TimeProvider time)
        : this(time, static () => System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false))
    {
    }

    /// <summary>As the public constructor, reading the JIT's progress from <paramref name="compiledMethods"/> (tests).</summary>
    internal NativeHeapTrimmer(TimeProvider time, Func<long> compiledMethods)
    {
        _compiledMethods = compiledMethods;
        _lastCompiled = compiledMethods();
        if (NativeHeap.CanTrim)
        {
            _timer = time.CreateTimer(static s => ((NativeHeapTrimmer)s!).Tick(), this, CheckPeriod, CheckPeriod);
        }
    }

    /// <summary>Trims run so far (for tests).</summary>
    public long Trims => Interlocked.Read(ref _trims);

    /// <summary>Generation-0 collections run for the JIT's slab cache so far (for tests).</summary>
    public long Collections => Interlocked.Read(ref _collections);

    public void Dispose() => _timer?.Dispose();

    private void Tick()
    {
        long compiled = _compiledMethods();
        _checksSinceJit = compiled != _lastCompiled ? 0 : Math.Min(_checksSinceJit + 1, JitSettleChecks);
        _lastCompiled = compiled;
        bool jitActive = _checksSinceJit < JitSettleChecks;
        if (jitActive)
        {
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            Interlocked.Increment(ref _collections);
        }
        else if (++_checksSinceTrim < ChecksPerPeriod)
        {
            return;
        }

        _checksSinceTrim = 0;
        _ = NativeHeap.Trim();
        Interlocked.Increment(ref _trims);
    }
}
