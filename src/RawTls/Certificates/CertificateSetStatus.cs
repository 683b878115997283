namespace RawTls.Certificates;

/// <summary>A snapshot of a <see cref="CertificateSet"/>: every certificate's state at one instant. Immutable.</summary>
public sealed record CertificateSetStatus
{
    /// <summary>When the snapshot was taken (the set's clock).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>True when staples are bound by RawTls; false when it fell back to the runtime's own fetching.</summary>
    public required bool AdapterActive { get; init; }

    /// <summary>Each certificate, in configuration order.</summary>
    public required IReadOnlyList<CertificateStatus> Certificates { get; init; }
}
