namespace RawTls.Cli.Commands;

/// <summary>
/// Calls <see cref="NativeHeap.Trim"/> every <see cref="Period"/> for the serve process. Freed native memory stays
/// resident in its glibc arena until the chunks above it are free too, and in a server they rarely are: the JIT's
/// 64 KiB compile slabs (which the runtime caches for a while), handshake buffers and OpenSSL's short-lived objects
/// keep raising each arena's high-water mark, and long-lived allocations made later sit above the holes. In the
/// soak the arenas' RSS went from 14 to 26 MB in ten minutes while the memory actually in use stayed at 5-14 MB
/// (heaptrack), and one malloc_trim(0) in the running server released 10 of 20 MB. A trim takes well under a
/// millisecond at this size; the released pages that get used again cost one page fault each.
/// </summary>
internal sealed class NativeHeapTrimmer : IDisposable
{
    /// <summary>Short against the soak's 5 s samples and minute-scale growth, long against the sub-millisecond cost.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    private readonly ITimer? _timer;
    private long _trims;

    /// <summary>Starts trimming every <see cref="Period"/> on <paramref name="time"/>; does nothing where there is no malloc_trim.</summary>
    public NativeHeapTrimmer(TimeProvider time)
    {
        if (NativeHeap.CanTrim)
        {
            _timer = time.CreateTimer(static s => ((NativeHeapTrimmer)s!).Tick(), this, Period, Period);
        }
    }

    /// <summary>Trims run so far (for tests).</summary>
    public long Trims => Interlocked.Read(ref _trims);

    public void Dispose() => _timer?.Dispose();

    private void Tick()
    {
        _ = NativeHeap.Trim();
        Interlocked.Increment(ref _trims);
    }
}
