namespace RawTls.DevPki;

/// <summary>Hash algorithm of an OCSP CertID.</summary>
public enum OcspHashAlgorithm
{
    /// <summary>SHA-1 (what RFC 5019 clients send).</summary>
    Sha1,

    /// <summary>SHA-256.</summary>
    Sha256,
}
