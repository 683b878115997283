namespace RawTls.Ocsp;

/// <summary>Limits for <see cref="OcspClient"/>.</summary>
internal sealed class OcspClientOptions
{
    /// <summary>Overall deadline per fetch, covering connect, redirects and a slowly trickled body. Default 10 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest accepted response body. Default 64 KiB.</summary>
    public int MaxResponseBytes { get; init; } = 64 * 1024;

    /// <summary>Most redirects followed per fetch. Default 3.</summary>
    public int MaxRedirects { get; init; } = 3;

    /// <summary>How long a pooled connection is reused before DNS is consulted again. Default 5 min.</summary>
    public TimeSpan PooledConnectionLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Clock used for the timeout and <see cref="OcspFetchResult.Elapsed"/>. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(Timeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxResponseBytes, 1, nameof(MaxResponseBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRedirects, nameof(MaxRedirects));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PooledConnectionLifetime, TimeSpan.Zero, nameof(PooledConnectionLifetime));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
    }
}
