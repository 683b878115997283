namespace RawTls.Ocsp;

/// <summary>Object identifiers used by OCSP (RFC 6960) and the related certificate extensions.</summary>
internal static class OcspOids
{
    public const string Sha1 = "1.3.14.3.2.26";
    public const string Sha256 = "2.16.840.1.101.3.4.2.1";
    public const string Sha384 = "2.16.840.1.101.3.4.2.2";
    public const string Sha512 = "2.16.840.1.101.3.4.2.3";

    public const string PkixOcspBasic = "1.3.6.1.5.5.7.48.1.1";
    public const string PkixOcspNonce = "1.3.6.1.5.5.7.48.1.2";
    public const string OcspSigningEku = "1.3.6.1.5.5.7.3.9";

    public const string AuthorityInfoAccess = "1.3.6.1.5.5.7.1.1";
    public const string TlsFeature = "1.3.6.1.5.5.7.1.24";
    public const string ExtendedKeyUsage = "2.5.29.37";
}
