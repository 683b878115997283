namespace RawTls.DevPki;

/// <summary>Options for <see cref="DevCertificateAuthority.Create(DevPkiOptions?)"/>.</summary>
public sealed record DevPkiOptions
{
    /// <summary>Key type for the CAs and the default leaf.</summary>
    public DevKeyAlgorithm KeyAlgorithm { get; init; } = DevKeyAlgorithm.EcdsaP256;

    /// <summary>OCSP URL put in the AIA extension of issued leaves; null for none.</summary>
    public Uri? OcspUrl { get; init; }

    /// <summary>Adds the TLS Feature (Must-Staple) extension to issued leaves.</summary>
    public bool MustStaple { get; init; }

    /// <summary>Names of the default leaf (DNS names or IP addresses).</summary>
    public IReadOnlyList<string> LeafNames { get; init; } = ["localhost", "127.0.0.1"];

    /// <summary>Clock used for validity periods and revocation times.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
