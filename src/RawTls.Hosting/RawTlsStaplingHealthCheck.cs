using Microsoft.Extensions.Diagnostics.HealthChecks;
using RawTls.Hosting.Internal;

namespace RawTls.Hosting;

/// <summary>
/// Reports the stapling state of every served certificate: unhealthy when one is revoked or not served (Require without a
/// staple), degraded when a staple is due to stop being served within the margin or a certificate goes unstapled.
/// Register it with <see cref="RawTlsHealthChecksBuilderExtensions.AddRawTlsStapling"/>.
/// </summary>
public sealed class RawTlsStaplingHealthCheck : IHealthCheck
{
    private readonly ICertificateSource _source;
    private readonly TimeSpan? _margin;

    internal RawTlsStaplingHealthCheck(ICertificateSource source, TimeSpan? margin)
    {
        _source = source;
        _margin = margin;
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // The snapshot is taken on the server's clock (the host's TimeProvider).
        var (status, description, data) = StaplingHealthPolicy.Evaluate(_source.GetStatus(), _margin);
        return Task.FromResult(new HealthCheckResult(status, description, data: data));
    }
}
