using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RawTls.Hosting.Internal;

namespace RawTls.Hosting;

/// <summary>Adds RawTls's stapling health check.</summary>
public static class RawTlsHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="RawTlsStaplingHealthCheck"/> for the RawTls server (or Kestrel stapling) registered in DI.
    /// </summary>
    /// <param name="builder">From <c>services.AddHealthChecks()</c>.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="margin">Degraded when a staple stops being served within this time. Null: a quarter of the response's validity window.</param>
    /// <param name="tags">Tags for filtering checks.</param>
    public static IHealthChecksBuilder AddRawTlsStapling(this IHealthChecksBuilder builder, string name = "rawtls-stapling", TimeSpan? margin = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (margin is { } m && m < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(margin), m, "The margin must not be negative.");
        }

        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new RawTlsStaplingHealthCheck(
                sp.GetService<ICertificateSource>() ?? throw new InvalidOperationException("RawTls stapling health check: call AddRawTls or AddRawTlsStapling on the services first."),
                margin),
            failureStatus: null,
            tags));
    }
}
