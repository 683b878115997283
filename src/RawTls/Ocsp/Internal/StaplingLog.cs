using Microsoft.Extensions.Logging;

namespace RawTls.Ocsp.Internal;

/// <summary>Source-generated stapling log messages bound to one logger.</summary>
internal sealed partial class StaplingLog(ILogger logger)
{
    private readonly ILogger _logger = logger;

    [LoggerMessage(100, LogLevel.Information, "OCSP {Certificate}: stapling {Status} response (thisUpdate {ThisUpdate:u}, nextUpdate {NextUpdate:u}, from cache: {FromCache})")]
    public partial void StapleUpdated(string certificate, string status, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, bool fromCache);

    [LoggerMessage(101, LogLevel.Error, "OCSP {Certificate}: the certificate is REVOKED (at {RevocationTime:u}); policy {Policy}")]
    public partial void CertificateRevoked(string certificate, DateTimeOffset? revocationTime, RevokedCertificatePolicy policy);

    [LoggerMessage(EventId = 102, Message = "OCSP {Certificate}: fetch failed ({Result}): {Message} (failure {Failures} in a row; current staple kept while valid)")]
    public partial void FetchFailed(LogLevel level, string certificate, string result, string message, int failures);

    [LoggerMessage(103, LogLevel.Warning, "OCSP {Certificate}: staple expiring at {NextUpdate:u} dropped; serving without one until a fresh response arrives")]
    public partial void StapleDropped(string certificate, DateTimeOffset nextUpdate);

    [LoggerMessage(104, LogLevel.Warning, "OCSP {Certificate}: staple cache problem: {Message}")]
    public partial void CacheFailed(string certificate, string message);

    [LoggerMessage(105, LogLevel.Information, "OCSP {Certificate}: cached response not used: {Message}")]
    public partial void CacheRejected(string certificate, string message);

    [LoggerMessage(106, LogLevel.Warning, "OCSP stapling adapter unavailable on this runtime ({Problem}); falling back to the runtime's own OCSP fetching")]
    public partial void AdapterUnavailable(string problem);

    [LoggerMessage(107, LogLevel.Warning, "OCSP {Certificate}: stapling is on but the chain does not include the issuer; serving unstapled")]
    public partial void NoIssuer(string certificate);

    [LoggerMessage(108, LogLevel.Warning, "OCSP {Certificate}: Require mode and no valid staple yet: the certificate is not served until one arrives")]
    public partial void RequiredStapleMissing(string certificate);
}
