using System.Security.Cryptography;
using System.Text;
using RawTls.Ocsp;
using RawTls.Stapling;
using RawTls.Stapling.Internal;

namespace RawTls.Certificates;

/// <summary>
/// Reloads file-based certificates, on a debounced file change or on request. A reload never mutates what is
/// published: it loads and checks the new files off the handshake path, lets the new leaf's stapler obtain its staple
/// while staged (bounded), then publishes into the same <see cref="CertificateHolder"/>. Serialized by the set's gate.
/// </summary>
internal sealed class CertificateReloader : IAsyncDisposable
{
    private readonly IReadOnlyList<CertificateSlot> _slots;
    private readonly SemaphoreSlim _gate;
    private readonly CertificateFactory _factory;
    private readonly CertificateSetOptions _options;
    private readonly CertificateLog _log;
    private readonly CertificateExpiryMonitor _expiry;
    private readonly Action _namesChanged;
    private readonly CertificateFileWatcher? _watcher;
    private readonly RetiredCertificates _retired;
    private volatile bool _disposing;

    public CertificateReloader(IReadOnlyList<CertificateSlot> slots, SemaphoreSlim gate, CertificateFactory factory, CertificateSetOptions options, CertificateLog log, CertificateExpiryMonitor expiry, Action namesChanged)
    {
        _slots = slots;
        _gate = gate;
        _factory = factory;
        _options = options;
        _log = log;
        _expiry = expiry;
        _namesChanged = namesChanged;
        _retired = new RetiredCertificates(options.TimeProvider);
        List<string> watched = [.. slots.Where(s => s.Watched).SelectMany(s => s.Source.Files)];
        if (watched.Count > 0)
        {
            _watcher = new CertificateFileWatcher(watched, options.Reload.Debounce, options.Reload.PollInterval, AnyStampChanged, OnFilesQuiet, log);
        }
    }

    /// <summary>Collections run to release replaced certificates (for tests).</summary>
    public long RetirementCollections => _retired.Collections;

    public async Task<IReadOnlyList<CertificateReloadStatus>> ReloadAllAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var results = new List<CertificateReloadStatus>(_slots.Count);
            foreach (CertificateSlot slot in _slots)
            {
                results.Add((await ReloadSlotAsync(slot, force: true, cancellationToken).ConfigureAwait(false))!);
            }

            return results;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<CertificateReloadStatus> ReloadAsync(CertificateHolder holder, CancellationToken cancellationToken)
    {
        CertificateSlot slot = _slots.FirstOrDefault(s => ReferenceEquals(s.Holder, holder)) ?? throw new ArgumentException("The certificate does not belong to this set.", nameof(holder));
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return (await ReloadSlotAsync(slot, force: true, cancellationToken).ConfigureAwait(false))!;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The poll's question: did file metadata move since the last poll, to something not read yet? Asking "since the
    /// last read" instead would restart the quiet period at every poll until the read, so a debounce longer than
    /// the poll interval would never end.
    /// </summary>
    private bool AnyStampChanged()
    {
        bool changed = false;
        foreach (CertificateSlot slot in _slots)
        {
            if (!slot.Watched)
            {
                continue;
            }

            int stamp = CertificateFiles.Stamp(slot.Source);
            if (stamp != slot.PolledStamp)
            {
                slot.PolledStamp = stamp;
                changed |= stamp != slot.SeenStamp;
            }
        }

        return changed;
    }

    private void OnFilesQuiet() => _ = ReloadChangedAsync();

    /// <summary>After a debounced change: reloads each watched certificate whose file contents differ from what is served.</summary>
    private async Task ReloadChangedAsync()
    {
        if (_disposing)
        {
            return;
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (CertificateSlot slot in _slots)
            {
                if (slot.Watched && !_disposing)
                {
                    await ReloadSlotAsync(slot, force: false, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex)
        {
            // A watcher-driven reload has nobody to report to but the log; never let it escape as an unobserved fault.
            _log.ReloadFailed("?", ex.Message);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Reads, checks and swaps in one certificate. Null when a watcher-driven check found nothing new to report (same
    /// contents as served, or the same failure as last time).
    /// </summary>
    private async Task<CertificateReloadStatus?> ReloadSlotAsync(CertificateSlot slot, bool force, CancellationToken cancellationToken)
    {
        ServerCertificateOptions source = slot.Source;
        if (source.Kind == CertificateSourceKind.InMemory)
        {
            return force ? Status(CertificateReloadResult.Unchanged, slot, null) : null;
        }

        int stamp = CertificateFiles.Stamp(source);
        slot.SeenStamp = stamp;
        byte[]? hash = null;
        try
        {
            CertificateFiles files = CertificateFiles.Read(source);
            hash = files.Hash;
            if (slot.ServedHash is not null && hash.AsSpan().SequenceEqual(slot.ServedHash))
            {
                slot.ForgetFailures();
                return force ? Status(CertificateReloadResult.Unchanged, slot, null) : null;
            }

            if (!force && slot.FailedHash is not null && hash.AsSpan().SequenceEqual(slot.FailedHash))
            {
                return null;
            }

            LoadedCertificate loaded = _factory.Load(source, files);
            return await SwapAsync(slot, loaded, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            string reason = ex is CertificateLoadException ? ex.Message : $"{source}: {ex.Message}";
            if (!force && CertificateFiles.Stamp(source) != stamp)
            {
                _watcher?.Trigger(); // the files changed while being read: a writer is mid-way; look again once it is done
                return null;
            }

            byte[] failure = hash ?? SHA256.HashData(Encoding.UTF8.GetBytes(reason));
            if (!force && slot.FailedHash is not null && failure.AsSpan().SequenceEqual(slot.FailedHash))
            {
                return null;
            }

            if (!force && _watcher is not null && (slot.SuspectHash is null || !failure.AsSpan().SequenceEqual(slot.SuspectHash)))
            {
                // First sight: a deployment writing key, certificate and chain one at a time may be between two of
                // them. Look again after a longer quiet period; the next write, if any, comes first and wins.
                slot.SuspectHash = failure;
                TimeSpan delay = ConfirmDelay(_options.Reload.Debounce);
                _log.ReloadUnconfirmed(source.ToString(), reason, delay);
                _watcher.Trigger(delay);
                return null;
            }

            slot.SuspectHash = null;
            slot.FailedHash = failure;
            _factory.Count(source, ok: false);
            _log.ReloadFailed(slot.Holder.Current.Leaf.SerialNumber, reason);
            CertificateReloadStatus status = Status(CertificateReloadResult.Failed, slot, reason);
            slot.Holder.LastReload = status;
            return status;
        }
    }

    /// <summary>How long a failure seen by the watcher must persist before it is reported: four debounce periods, at least 1 s.</summary>
    private static TimeSpan ConfirmDelay(TimeSpan debounce) => debounce * 4 > TimeSpan.FromSeconds(1) ? debounce * 4 : TimeSpan.FromSeconds(1);

    private async Task<CertificateReloadStatus> SwapAsync(CertificateSlot slot, LoadedCertificate loaded, CancellationToken cancellationToken)
    {
        ServerCertificateOptions source = slot.Source;
        CertificateHolder holder = slot.Holder;
        CertificateBundle bundle = loaded.Bundle;
        (StaplingMode mode, StapledCertificateContext initial) = await _factory.PrepareAsync(source, bundle, holder.NextVersion(), cancellationToken).ConfigureAwait(false);
        string serial = bundle.Leaf.SerialNumber;
        (Stapler? next, PublicationSink? sink) = _factory.CreateStapler(source, bundle, mode, holder, staged: true);
        Stapler? previous = holder.Stapler;
        if (next is not null)
        {
            bool sameLeaf = slot.Bundle.Leaf.RawData.AsSpan().SequenceEqual(bundle.Leaf.RawData);
            await next.StartAsync(sameLeaf ? previous?.HeldStaple : null, cancellationToken).ConfigureAwait(false);
            TimeSpan wait = _options.Reload.StapleWait;
            if (next.HeldStaple is null)
            {
                try
                {
                    // Network waits are real time, whatever clock validity is checked against.
                    await next.Ready.WaitAsync(wait, TimeProvider.System, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
            }

            if (next.HeldStaple is null)
            {
                string problem = next.Status.LastError ?? next.Status.LastResult ?? "no response yet";
                if (mode == StaplingMode.Require)
                {
                    await next.DisposeAsync().ConfigureAwait(false);
                    throw new CertificateLoadException($"{source}: stapling is required and no valid OCSP response for the new serial {serial} arrived within {wait} ({problem}); the new certificate is not served");
                }

                _log.ReloadedWithoutStaple(source.ToString(), serial, wait, problem);
            }
        }

        previous?.RetireSink(); // from here on only the new certificate's contexts reach the holder
        holder.Attach(next, mode);
        if (sink is not null)
        {
            sink.Activate(initial, serveInitial: mode != StaplingMode.Require);
        }
        else
        {
            holder.Publish(initial, serve: true);
        }

        slot.Bundle = bundle;
        slot.ServedHash = loaded.FileHash;
        slot.ForgetFailures();
        List<string> names = CertificateNames.Of(source, bundle);
        if (!names.SequenceEqual(slot.Names, StringComparer.OrdinalIgnoreCase))
        {
            slot.Names = names;
            _namesChanged();
        }

        _factory.Count(source, ok: true);
        OcspStaple? served = holder.Current.Staple;
        _log.Reloaded(source.ToString(), serial, bundle.Leaf.Subject, bundle.Leaf.NotAfter.ToUniversalTime(), string.Join(", ", names),
            served is null ? (mode != StaplingMode.Off ? "none yet" : "off") : $"{served.Status} until {served.NextUpdate:u}");
        _expiry.Check(slot);
        CertificateReloadStatus status = Status(CertificateReloadResult.Reloaded, slot, null);
        holder.LastReload = status;
        if (previous is not null)
        {
            await previous.DisposeAsync().ConfigureAwait(false);
        }

        _retired.Retired();
        return status;
    }

    private CertificateReloadStatus Status(CertificateReloadResult result, CertificateSlot slot, string? error) => new()
    {
        Result = result,
        At = _options.TimeProvider.GetUtcNow(),
        SerialNumber = slot.Holder.Current.Leaf.SerialNumber,
        Error = error,
    };

    public async ValueTask DisposeAsync()
    {
        _disposing = true;
        _watcher?.Dispose();
        await _gate.WaitAsync().ConfigureAwait(false); // let a reload in progress finish (bounded by its staple wait)
        _gate.Release();
        _retired.Dispose();
    }
}
