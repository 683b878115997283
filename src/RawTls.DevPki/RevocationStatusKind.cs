namespace RawTls.DevPki;

/// <summary>The OCSP certificate status of a serial number.</summary>
public enum RevocationStatusKind
{
    /// <summary>Issued and not revoked.</summary>
    Good,

    /// <summary>Issued and revoked.</summary>
    Revoked,

    /// <summary>Never issued by this authority.</summary>
    Unknown,
}
