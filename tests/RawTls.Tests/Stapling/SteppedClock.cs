using Microsoft.Extensions.Time.Testing;

namespace RawTls.Tests.Stapling;

/// <summary>
/// A wall clock that can be stepped either way over a monotonic one: timers and timestamps run on the inner
/// <see cref="FakeTimeProvider"/> (elapsed time, only ever advanced), <see cref="GetUtcNow"/> adds a settable
/// offset, as when NTP or an operator sets the system clock.
/// </summary>
internal sealed class SteppedClock(FakeTimeProvider elapsed) : TimeProvider
{
    private long _offsetTicks;

    /// <summary>The monotonic clock underneath: advancing it fires timers.</summary>
    public FakeTimeProvider Elapsed { get; } = elapsed;

    /// <summary>How far the wall clock stands from the monotonic one.</summary>
    public TimeSpan Offset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
        set => Interlocked.Exchange(ref _offsetTicks, value.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => Elapsed.GetUtcNow() + Offset;

    public override long GetTimestamp() => Elapsed.GetTimestamp();

    public override long TimestampFrequency => Elapsed.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        Elapsed.CreateTimer(callback, state, dueTime, period);
}
