using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RawTls.Server;

namespace RawTls.Hosting;

/// <summary>Configures the hosted RawTls server registered by <see cref="RawTlsServiceCollectionExtensions.AddRawTls(IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration)"/>.</summary>
public sealed class RawTlsBuilder
{
    internal RawTlsBuilder(IServiceCollection services) => Services = services;

    /// <summary>The application's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Adjusts the server options after configuration was applied: what configuration cannot hold (client-certificate
    /// validation, a fallback certificate, a memory pool, in-memory certificates).
    /// </summary>
    public RawTlsBuilder Configure(Action<TlsServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>Serves every connection with <paramref name="handler"/>.</summary>
    public RawTlsBuilder UseHandler(TlsConnectionHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Services.Replace(ServiceDescriptor.Singleton(handler));
        return this;
    }

    /// <summary>Serves every connection with a <typeparamref name="THandler"/> singleton created by DI.</summary>
    public RawTlsBuilder UseHandler<THandler>()
        where THandler : class, ITlsConnectionHandler
    {
        Services.TryAddSingleton<THandler>();
        Services.Replace(ServiceDescriptor.Singleton<TlsConnectionHandler>(static sp => sp.GetRequiredService<THandler>().OnConnectedAsync));
        return this;
    }
}
