using RawTls.Ocsp;

namespace RawTls.Stapling.Internal;

/// <summary>The stapling options the refresh policy reads, copied once at start. Upper bounds; see <see cref="RefreshPolicy"/>.</summary>
internal sealed record RefreshSettings(
    TimeSpan ExpiryMargin,
    TimeSpan MinRefreshInterval,
    TimeSpan MaxRefreshInterval,
    TimeSpan RetryBaseDelay,
    TimeSpan RetryMaxDelay,
    TimeSpan ClockSkew,
    double Jitter)
{
    public static RefreshSettings From(StaplingOptions o) =>
        new(o.ExpiryMargin, o.MinRefreshInterval, o.MaxRefreshInterval, o.RetryBaseDelay, o.RetryMaxDelay, o.ClockSkew, o.Jitter);
}
