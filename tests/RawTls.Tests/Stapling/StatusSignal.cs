using RawTls.Certificates;
using RawTls.Ocsp;
using RawTls.Stapling;

namespace RawTls.Tests.Stapling;

/// <summary>Waits for a stapling status that satisfies a condition, signalled by <see cref="CertificateHolder.StaplingStatusChanged"/> (no polling).</summary>
internal sealed class StatusSignal : IDisposable
{
    private readonly CertificateHolder _holder;
    private readonly Lock _gate = new();
    private readonly List<(Func<StapleStatus, bool> Condition, TaskCompletionSource<StapleStatus> Done)> _waiters = [];

    public StatusSignal(CertificateHolder holder)
    {
        _holder = holder;
        holder.StaplingStatusChanged += OnChanged;
    }

    public async Task<StapleStatus> WaitAsync(Func<StapleStatus, bool> condition, string what, TimeSpan? within = null)
    {
        var done = new TaskCompletionSource<StapleStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_holder.StaplingStatus is { } now && condition(now))
            {
                return now;
            }

            _waiters.Add((condition, done));
        }

        try
        {
            return await done.Task.WaitAsync(within ?? TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"timed out waiting for {what}; status now: {_holder.StaplingStatus}");
        }
    }

    private void OnChanged(object? sender, StapleStatus status)
    {
        lock (_gate)
        {
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition(status))
                {
                    _waiters[i].Done.TrySetResult(status);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public void Dispose() => _holder.StaplingStatusChanged -= OnChanged;
}
