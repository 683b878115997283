using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace RawTls.Kestrel.Internal;

/// <summary>
/// Starts the <see cref="RawTlsStapling"/> in the host's Starting phase — before any hosted service's StartAsync, so
/// before Kestrel binds — and disposes it once every hosted service (Kestrel included) has stopped. Resolved lazily, so
/// options validation reports bad configuration first.
/// </summary>
internal sealed class StaplingHostedService(IServiceProvider services) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => services.GetRequiredService<RawTlsStapling>().StartAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken) => await services.GetRequiredService<RawTlsStapling>().DisposeAsync().ConfigureAwait(false);
}
