namespace RawTls.Stapling;

/// <summary>The one vocabulary for a certificate's staple, used by status snapshots, metrics and the CLI.</summary>
public enum StapleState
{
    /// <summary>Stapling is off for this certificate.</summary>
    Off,

    /// <summary>No valid staple is held: none obtained yet, or the last one left its serving window.</summary>
    None,

    /// <summary>A valid GOOD response is stapled.</summary>
    Good,

    /// <summary>A valid REVOKED response was accepted; handled by the revoked-certificate policy.</summary>
    Revoked,
}
