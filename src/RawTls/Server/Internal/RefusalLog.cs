using Microsoft.Extensions.Logging;
using RawTls.Diagnostics;

namespace RawTls.Server.Internal;

/// <summary>
/// Counts connections refused at accept and reports them at most once per interval, with the count: under a
/// flood a Warning per refusal would cost more than the refusal itself. Recording is one interlocked add; the
/// heartbeat calls <see cref="Flush"/>.
/// </summary>
internal sealed class RefusalLog
{
    private long _handshakeLimit;
    private long _connectionLimit;
    private long _lastReport = long.MinValue;
    private long _windowStart;

    /// <param name="startedAt">When counting starts (<see cref="Environment.TickCount64"/>), the first report's window start.</param>
    public RefusalLog(long startedAt) => _windowStart = startedAt;

    public void Record(bool handshakeLimit) => Interlocked.Increment(ref handshakeLimit ? ref _handshakeLimit : ref _connectionLimit);

    /// <summary>Logs the refusals since the last report when at least <paramref name="intervalMs"/> has passed since it.</summary>
    /// <returns>Whether a report was written.</returns>
    public bool Flush(ILogger logger, long now, long intervalMs)
    {
        if (_lastReport != long.MinValue && now - _lastReport < intervalMs)
        {
            return false;
        }

        if (Volatile.Read(ref _handshakeLimit) == 0 && Volatile.Read(ref _connectionLimit) == 0)
        {
            return false;
        }

        long handshakes = Interlocked.Exchange(ref _handshakeLimit, 0);
        long connections = Interlocked.Exchange(ref _connectionLimit, 0);
        double seconds = (now - _windowStart) / 1000.0;
        _lastReport = now;
        _windowStart = now;
        Log.ConnectionsRejected(logger, handshakes + connections, handshakes, connections, seconds);
        return true;
    }
}
