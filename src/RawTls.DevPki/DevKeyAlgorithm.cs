namespace RawTls.DevPki;

/// <summary>Key type for certificates issued by the development PKI.</summary>
public enum DevKeyAlgorithm
{
    /// <summary>ECDSA on NIST P-256 (fast; the default).</summary>
    EcdsaP256,

    /// <summary>RSA with a 2048-bit modulus.</summary>
    Rsa2048,
}
