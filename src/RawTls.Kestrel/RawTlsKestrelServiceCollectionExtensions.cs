using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RawTls.Hosting.Internal;
using RawTls.Kestrel.Internal;
using RawTls.Server;

namespace RawTls.Kestrel;

/// <summary>Registers RawTls stapling for Kestrel.</summary>
public static class RawTlsKestrelServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="RawTlsStapling"/> bound from <paramref name="configuration"/> (the <c>RawTls</c> section of
    /// RawTls.Hosting, without <c>Endpoints</c>: Kestrel listens). It starts before Kestrel binds, so the first handshake
    /// is stapled, and stops after Kestrel has stopped. Invalid configuration fails the host's start naming the key.
    /// Enable it per endpoint with <see cref="ListenOptionsExtensions.UseRawTlsStapling(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions)"/>;
    /// <see cref="Hosting.RawTlsHealthChecksBuilderExtensions.AddRawTlsStapling"/> reports its state.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">E.g. <c>builder.Configuration.GetSection("RawTls")</c>.</param>
    /// <param name="configure">Adjusts the options after configuration (what it cannot hold, e.g. a fallback certificate).</param>
    public static IServiceCollection AddRawTlsStapling(this IServiceCollection services, IConfiguration configuration, Action<TlsServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        RawTlsRegistration.AddOptions(services, configuration, requireEndpoints: false);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(static sp => new RawTlsStapling(sp.GetRequiredService<IOptions<TlsServerOptions>>().Value));
        services.TryAddSingleton<ICertificateSource>(static sp => new StaplingCertificateSource(sp.GetRequiredService<RawTlsStapling>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StaplingHostedService>());
        return services;
    }
}
