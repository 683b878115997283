namespace RawTls.Certificates;

/// <summary>What the last reload of one certificate did. Immutable.</summary>
public sealed record CertificateReloadStatus
{
    /// <summary>The outcome.</summary>
    public required CertificateReloadResult Result { get; init; }

    /// <summary>When the reload finished.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Serial number (hex) of the leaf served after the reload.</summary>
    public required string SerialNumber { get; init; }

    /// <summary>Why it failed (names the file), or null.</summary>
    public string? Error { get; init; }
}
