using Microsoft.Extensions.Logging;

using RawTls.Ocsp;

namespace RawTls.Stapling.Internal;

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

    [LoggerMessage(104, LogLevel.Warning, "OCSP staple store {Store} failing ({Operation}: {Message}); fetching directly until it recovers")]
    public partial void StoreFailing(string store, string operation, string message);

    [LoggerMessage(105, LogLevel.Information, "OCSP {Certificate}: stored response not used: {Message}")]
    public partial void StoreRejected(string certificate, string message);

    [LoggerMessage(109, LogLevel.Information, "OCSP staple store {Store} answering again")]
    public partial void StoreRecovered(string store);

    [LoggerMessage(110, LogLevel.Information, "OCSP stapling adapter not used on {Os}: the runtime's OCSP fields exist only in the Linux implementation; using the runtime's own fetching, checked by probe")]
    public partial void AdapterNotOnThisPlatform(string os);

    [LoggerMessage(112, LogLevel.Information, "OCSP {Certificate}: startup staple: {Outcome} after {ElapsedMs:F0} ms; serving: {Serving}")]
    public partial void StartupStaple(string certificate, string outcome, double elapsedMs, bool serving);

    [LoggerMessage(111, LogLevel.Information, "OCSP {Certificate}: valid staple in hand ({Source}, until {DropAt:u}); accepting at once and refreshing in the background")]
    public partial void StartedWithStaple(string certificate, string source, DateTimeOffset dropAt);

    [LoggerMessage(106, LogLevel.Warning, "OCSP stapling adapter unavailable on this runtime ({Problem}); falling back to the runtime's own OCSP fetching")]
    public partial void AdapterUnavailable(string problem);

    [LoggerMessage(107, LogLevel.Warning, "OCSP {Certificate}: stapling is on but the chain does not include the issuer; serving unstapled")]
    public partial void NoIssuer(string certificate);

    [LoggerMessage(108, LogLevel.Warning, "OCSP {Certificate}: Require mode and no valid staple yet: the certificate is not served until one arrives")]
    public partial void RequiredStapleMissing(string certificate);
}
