namespace RawTls.Certificates;

/// <summary>
/// Releases what a reload replaced. The old leaf's <see cref="System.Net.Security.SslStreamCertificateContext"/>s, its
/// certificates, keys and chain hold native OpenSSL memory that only their finalizers free, and they cannot be disposed
/// here: open connections and handlers may still hold the context. A server heap is small and mostly long-lived, so a
/// full collection may not come for hours and that native memory accumulates with every rotation (about 1 MB each in
/// the soak). One collection a grace period after a reload lets the finalizers free whatever nobody holds any more;
/// whatever is still in use stays. Rotations are rare and the heap is small (about 5 MB in the soak).
/// </summary>
internal sealed class RetiredCertificates : IDisposable
{
    /// <summary>Time for handshakes that read the old publication and for the old stapler's last work to end.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(15);

    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Lock _gate = new(); // reloads and the timer only: never on a handshake
    private long _lastRetired;
    private bool _armed;
    private long _collections;

    public RetiredCertificates(TimeProvider time)
    {
        _time = time;
        _timer = time.CreateTimer(static s => ((RetiredCertificates)s!).Collect(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Collections run so far (for tests).</summary>
    public long Collections => Interlocked.Read(ref _collections);

    /// <summary>
    /// A certificate was replaced: collect once <see cref="Grace"/> after it. A pending collection is not pushed back,
    /// so reloads that keep coming sooner than the grace period still get one collection per period at least.
    /// </summary>
    public void Retired()
    {
        lock (_gate)
        {
            _lastRetired = _time.GetTimestamp();
            if (!_armed)
            {
                _armed = true;
                _timer.Change(Grace, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Collect()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
        Interlocked.Increment(ref _collections);
        lock (_gate)
        {
            // A certificate replaced since this collection was armed has not had its grace period yet: one more for it.
            TimeSpan since = _time.GetElapsedTime(_lastRetired);
            if (since < Grace)
            {
                _timer.Change(Grace - since, Timeout.InfiniteTimeSpan);
            }
            else
            {
                _armed = false;
            }
        }
    }

    public void Dispose() => _timer.Dispose();
}
