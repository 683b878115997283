using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RawTls.Server;

namespace RawTls.Hosting.Internal;

/// <summary>
/// Starts the <see cref="TlsServer"/> with the host (awaited before the host reports started) and stops it gracefully.
/// The server is resolved at start, not at construction, so options validation (which runs first) reports bad
/// configuration before anything is built from it.
/// </summary>
internal sealed class RawTlsHostedService(IServiceProvider services) : IHostedService
{
    private TlsServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _server = services.GetRequiredService<TlsServer>();
        return _server.StartAsync(cancellationToken);
    }

    /// <summary>Stops accepting and drains for <see cref="TlsServerOptions.ShutdownTimeout"/> or until the host's shutdown timeout.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _server?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
