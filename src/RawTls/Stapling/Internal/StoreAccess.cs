using RawTls.Diagnostics;

namespace RawTls.Stapling.Internal;

/// <summary>
/// Every stapler's way to the <see cref="IStapleStore"/>: each call bounded by a short timeout, every failure caught,
/// counted (<c>rawtls.ocsp.store.errors</c>) and logged once per change of state (failing, then recovered), never
/// once per call. Callers treat a failure as "no store" and carry on: serving never waits for it.
/// </summary>
internal sealed class StoreAccess(IStapleStore store, TimeSpan timeout, RawTlsMetrics metrics, StaplingLog log)
{
    private int _failing;

    public IStapleStore Store { get; } = store;

    /// <summary>True after the last call failed.</summary>
    public bool Failing => Volatile.Read(ref _failing) == 1;

    public async Task<(bool Ok, byte[]? Value)> LoadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            byte[]? value = await Store.LoadAsync(key, cancellationToken).AsTask().WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            Succeeded();
            return (true, value);
        }
        catch (Exception ex) when (IsStoreFault(ex, cancellationToken))
        {
            Failed("load", ex);
            return (false, null);
        }
    }

    public async Task<bool> SaveAsync(string key, ReadOnlyMemory<byte> response, CancellationToken cancellationToken)
    {
        try
        {
            await Store.SaveAsync(key, response, cancellationToken).AsTask().WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            Succeeded();
            return true;
        }
        catch (Exception ex) when (IsStoreFault(ex, cancellationToken))
        {
            Failed("save", ex);
            return false;
        }
    }

    /// <summary>True: the lease is ours. False: another instance holds it. Null: the store failed (fetch anyway).</summary>
    public async Task<bool?> TryAcquireLeaseAsync(string key, string owner, TimeSpan duration, CancellationToken cancellationToken)
    {
        try
        {
            bool held = await Store.TryAcquireLeaseAsync(key, owner, duration, cancellationToken).AsTask().WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            Succeeded();
            return held;
        }
        catch (Exception ex) when (IsStoreFault(ex, cancellationToken))
        {
            Failed("lease", ex);
            return null;
        }
    }

    public async Task ReleaseLeaseAsync(string key, string owner, CancellationToken cancellationToken)
    {
        try
        {
            await Store.ReleaseLeaseAsync(key, owner, cancellationToken).AsTask().WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            Succeeded();
        }
        catch (Exception ex) when (IsStoreFault(ex, cancellationToken))
        {
            Failed("release", ex); // the lease expires by itself
        }
    }

    private static bool IsStoreFault(Exception ex, CancellationToken cancellationToken) =>
        !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private void Succeeded()
    {
        if (Interlocked.Exchange(ref _failing, 0) == 1)
        {
            log.StoreRecovered(Store.GetType().Name);
        }
    }

    private void Failed(string operation, Exception ex)
    {
        metrics.StoreError(operation);
        if (Interlocked.Exchange(ref _failing, 1) == 0)
        {
            string message = ex is TimeoutException ? $"no answer within {timeout.TotalMilliseconds:F0} ms" : ex.GetBaseException().Message;
            log.StoreFailing(Store.GetType().Name, operation, message);
        }
    }
}
