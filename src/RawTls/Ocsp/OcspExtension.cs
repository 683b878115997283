namespace RawTls.Ocsp;

/// <summary>An X.509 extension found in an OCSP response; the value is not needed for validation.</summary>
internal readonly record struct OcspExtension(string Oid, bool Critical);
