namespace RawTls.DevPki;

/// <summary>What a fault hook sees about one HTTP request to <see cref="OcspResponder"/>.</summary>
/// <param name="Number">1-based request number across all connections.</param>
/// <param name="Method">HTTP method.</param>
/// <param name="Target">Request target as sent.</param>
/// <param name="RequestDer">The decoded DER OCSP request, or null if none could be decoded.</param>
/// <param name="Serials">Serial numbers (normalized hex) asked about; empty if the request is malformed.</param>
public sealed record OcspRequestContext(long Number, string Method, string Target, byte[]? RequestDer, IReadOnlyList<string> Serials);
