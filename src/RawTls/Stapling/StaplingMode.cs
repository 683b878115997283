namespace RawTls.Stapling;

/// <summary>Whether a certificate is served with an OCSP staple.</summary>
public enum StaplingMode
{
    /// <summary>Never fetch or staple.</summary>
    Off,

    /// <summary>Staple when a valid response is in hand; serve without one otherwise (default).</summary>
    Auto,

    /// <summary>Never serve the certificate without a valid staple. Automatic for Must-Staple certificates.</summary>
    Require,
}
