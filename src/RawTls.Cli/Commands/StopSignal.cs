using System.Runtime.InteropServices;

namespace RawTls.Cli.Commands;

/// <summary>Completes <see cref="Task"/> on SIGINT (Ctrl+C) or SIGTERM, which then no longer kill the process.</summary>
internal sealed class StopSignal : IDisposable
{
    private readonly TaskCompletionSource _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PosixSignalRegistration[] _registrations;

    private StopSignal()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    public Task Task => _stop.Task;

    public static StopSignal Register() => new();

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true; // a graceful stop instead of the default termination
        _stop.TrySetResult();
    }
}
