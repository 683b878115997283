using Microsoft.Extensions.Logging;

namespace RawTls.Certificates;

/// <summary>Source-generated certificate load, reload and expiry messages bound to one logger.</summary>
internal sealed partial class CertificateLog(ILogger logger)
{
    private readonly ILogger _logger = logger;

    [LoggerMessage(200, LogLevel.Information, "Certificate {Source}: serving serial {Serial} ({Subject}, expires {NotAfter:u}) for {Names}")]
    public partial void Serving(string source, string serial, string subject, DateTimeOffset notAfter, string names);

    [LoggerMessage(201, LogLevel.Information, "Certificate {Source}: reloaded, now serving serial {Serial} ({Subject}, expires {NotAfter:u}) for {Names}; staple: {Staple}")]
    public partial void Reloaded(string source, string serial, string subject, DateTimeOffset notAfter, string names, string staple);

    [LoggerMessage(202, LogLevel.Error, "Certificate reload failed, still serving serial {Serial}: {Reason}")]
    public partial void ReloadFailed(string serial, string reason);

    [LoggerMessage(203, LogLevel.Warning, "Certificate {Source}: no valid OCSP staple for the new serial {Serial} within {Wait} ({Problem}); serving it unstapled until one arrives")]
    public partial void ReloadedWithoutStaple(string source, string serial, TimeSpan wait, string problem);

    [LoggerMessage(204, LogLevel.Warning, "Certificate {Source}: serial {Serial} expires at {NotAfter:u}, in {Days:F1} days; renew it")]
    public partial void ExpiresSoon(string source, string serial, DateTimeOffset notAfter, double days);

    [LoggerMessage(205, LogLevel.Warning, "Certificate files: change notifications unavailable for {Directory} ({Message}); relying on polling")]
    public partial void WatchUnavailable(string directory, string message);

    [LoggerMessage(206, LogLevel.Information, "Certificate contexts come from the runtime's chain build ({Problem}): correct, but each one consults the machine trust store")]
    public partial void ChainBuildFallback(string problem);

    [LoggerMessage(207, LogLevel.Information, "Certificate {Source}: the files do not load yet ({Reason}); reading them again in {Delay} before reporting it (a writer may be between two files)")]
    public partial void ReloadUnconfirmed(string source, string reason, TimeSpan delay);
}
