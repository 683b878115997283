namespace RawTls.DevPki;

/// <summary>Options for <see cref="DevCertificateAuthority.IssueLeaf(DevLeafOptions)"/>; null members take the authority's defaults.</summary>
public sealed record DevLeafOptions
{
    /// <summary>DNS names (wildcards allowed) or IP addresses; the first is also the subject CN.</summary>
    public IReadOnlyList<string> Names { get; init; } = ["localhost", "127.0.0.1"];

    /// <summary>Key type; null uses the authority's.</summary>
    public DevKeyAlgorithm? KeyAlgorithm { get; init; }

    /// <summary>AIA OCSP URL; null uses the authority's.</summary>
    public Uri? OcspUrl { get; init; }

    /// <summary>Omits the AIA extension even when the authority has an OCSP URL.</summary>
    public bool OmitOcspUrl { get; init; }

    /// <summary>Must-Staple; null uses the authority's.</summary>
    public bool? MustStaple { get; init; }

    /// <summary>Start of validity; default now minus one hour.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>End of validity; default <see cref="NotBefore"/> plus 90 days. May be in the past (expired leaf).</summary>
    public DateTimeOffset? NotAfter { get; init; }
}
