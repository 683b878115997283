using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RawTls.Hosting.Internal;
using RawTls.Server;

namespace RawTls.Hosting;

/// <summary>Registers a RawTls server in a .NET Generic Host.</summary>
public static class RawTlsServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="TlsServer"/> bound from <paramref name="configuration"/> (e.g. <c>Configuration.GetSection("RawTls")</c>,
    /// see <see cref="RawTlsOptions"/>), run as a hosted service: it starts (certificates loaded, first staples obtained,
    /// listeners bound) before the host reports started and drains on stop. Invalid configuration fails the host's start
    /// with the key's path. Logging, metrics (<see cref="System.Diagnostics.Metrics.IMeterFactory"/>) and the clock
    /// (<see cref="TimeProvider"/>) come from DI. The server itself is a resolvable singleton.
    /// </summary>
    public static RawTlsBuilder AddRawTls(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        RawTlsRegistration.AddOptions(services, configuration, requireEndpoints: true);
        return AddServer(services);
    }

    /// <summary>Adds a hosted <see cref="TlsServer"/> configured in code only (see <see cref="AddRawTls(IServiceCollection, IConfiguration)"/>).</summary>
    public static RawTlsBuilder AddRawTls(this IServiceCollection services, Action<RawTlsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        RawTlsRegistration.AddOptions(services, configuration: null, requireEndpoints: true);
        services.Configure(configure);
        return AddServer(services);
    }

    private static RawTlsBuilder AddServer(IServiceCollection services)
    {
        services.TryAddSingleton(static sp => new TlsServer(
            sp.GetRequiredService<IOptions<TlsServerOptions>>().Value,
            sp.GetService<TlsConnectionHandler>() ?? throw new InvalidOperationException("RawTls: no connection handler is registered; call UseHandler on the builder AddRawTls returned.")));
        services.TryAddSingleton<ICertificateSource>(static sp => new TlsServerCertificateSource(sp.GetRequiredService<TlsServer>()));
        services.AddHostedService<RawTlsHostedService>();
        return new RawTlsBuilder(services);
    }
}
