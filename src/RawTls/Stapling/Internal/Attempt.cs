using System.Net.Security;
using Microsoft.Extensions.Logging;
using RawTls.Ocsp;

namespace RawTls.Stapling.Internal;

/// <summary>What one fetch attempt produced, before the policy decides about it.</summary>
internal readonly record struct Attempt(AttemptKind Kind, OcspStaple? Staple, string Tag, string? Message, LogLevel Level, bool FromStore, SslStreamCertificateContext? RuntimeContext)
{
    public static Attempt Failed(string tag, string message, LogLevel level = LogLevel.Warning) => new(AttemptKind.Failed, null, tag, message, level, false, null);

    public static Attempt LeaseBusy(string message) => new(AttemptKind.LeaseBusy, null, "lease_busy", message, LogLevel.Debug, true, null);

    /// <summary>Turns a validation result into an attempt: a GOOD or REVOKED response, or a failure.</summary>
    public static Attempt From(OcspValidationResult result, DateTimeOffset receivedAt, bool fromStore, SslStreamCertificateContext? runtimeContext = null)
    {
        switch (result.Verdict)
        {
            case OcspVerdict.Rejected:
                return Failed("rejected:" + Diagnostics.RawTlsMetrics.ToSnakeCase(result.RejectReason.ToString()), result.Message, result.RejectReason == OcspRejectReason.TryLater ? LogLevel.Information : LogLevel.Warning) with { FromStore = fromStore };
            case OcspVerdict.Unknown:
                return Failed("unknown", "the responder does not know this certificate (status unknown)") with { FromStore = fromStore };
        }

        bool revoked = result.Verdict == OcspVerdict.Revoked;
        var staple = new OcspStaple(
            result.RawResponse.ToArray(),
            revoked ? OcspCertificateStatus.Revoked : OcspCertificateStatus.Good,
            result.ThisUpdate!.Value,
            result.NextUpdate!.Value,
            result.ProducedAt ?? result.ThisUpdate!.Value,
            result.RevocationTime,
            receivedAt,
            result.RevocationReason);
        return new(AttemptKind.Response, staple, revoked ? "revoked" : "good", null, LogLevel.Information, fromStore, runtimeContext);
    }
}
