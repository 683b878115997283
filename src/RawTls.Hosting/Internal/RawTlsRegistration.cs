using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RawTls.Server;

namespace RawTls.Hosting.Internal;

/// <summary>The options plumbing shared by the hosted server and the Kestrel integration.</summary>
internal static class RawTlsRegistration
{
    public static void AddOptions(IServiceCollection services, IConfiguration? configuration, bool requireEndpoints)
    {
        OptionsBuilder<RawTlsOptions> options = services.AddOptions<RawTlsOptions>();
        string path = string.Empty;
        if (configuration is not null)
        {
            path = (configuration as IConfigurationSection)?.Path ?? string.Empty;
            string root = path;
            options.Configure(o => StrictBinding.Bind(configuration, o, new ConfigPath(root)));
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RawTlsOptions>>(new RawTlsOptionsValidator(path, requireEndpoints)));
        options.ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<TlsServerOptions>().Configure<IOptions<RawTlsOptions>, IServiceProvider>(static (target, source, sp) =>
        {
            ServerOptionsMapper.Apply(source.Value, target);
            target.LoggerFactory = sp.GetService<ILoggerFactory>();
            target.MeterFactory = sp.GetService<IMeterFactory>();
            target.TimeProvider = sp.GetService<TimeProvider>() ?? TimeProvider.System;
        });
    }
}
