using System.Diagnostics;
using RawTls.Ocsp;
using RawTls.Stapling;
using RawTls.Stapling.Internal;

namespace RawTls.Certificates;

/// <summary>Start: load every certificate, start its stapler, wait only for those with no valid staple in hand.</summary>
public sealed partial class CertificateSet
{
    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        // Once per process, before the first context: whether contexts can skip the runtime's chain build.
        (bool contextOk, string? contextProblem) = await CertificateContextCheck.ResultAsync().ConfigureAwait(false);
        if (!contextOk)
        {
            _log.ChainBuildFallback(contextProblem ?? "unknown");
        }

        var factory = new CertificateFactory(_options, _stapling, _metrics);
        var staplers = new List<(CertificateSlot Slot, Stapler Stapler)>();
        foreach (ServerCertificateOptions source in _options.Certificates)
        {
            int stamp = source.Kind == CertificateSourceKind.InMemory ? 0 : CertificateFiles.Stamp(source);
            LoadedCertificate loaded;
            try
            {
                loaded = factory.Load(source);
            }
            catch (CertificateLoadException)
            {
                factory.Count(source, ok: false);
                throw;
            }

            factory.Count(source, ok: true);
            (StaplingMode mode, StapledCertificateContext initial) = await factory.PrepareAsync(source, loaded.Bundle, version: 1, cancellationToken).ConfigureAwait(false);
            var holder = new CertificateHolder(source, mode, _template, initial, serve: mode != StaplingMode.Require);
            var slot = new CertificateSlot(source, holder, loaded.Bundle, CertificateNames.Of(source, loaded.Bundle)) { ServedHash = loaded.FileHash, SeenStamp = stamp, PolledStamp = stamp };
            (Stapler? stapler, _) = factory.CreateStapler(source, loaded.Bundle, mode, holder, staged: false);
            holder.Attach(stapler, mode);
            if (stapler is not null)
            {
                staplers.Add((slot, stapler));
            }

            _slots.Add(slot);
        }

        _metrics.ObserveStapling(StatusesForMetrics, _options.TimeProvider);
        _metrics.ObserveCertificates(ExpiriesForMetrics, _options.TimeProvider);
        await StartStaplersAsync(staplers, cancellationToken).ConfigureAwait(false);

        _selector = BuildSelector();
        foreach (CertificateSlot slot in _slots)
        {
            _log.Serving(slot.Source.ToString(), slot.Bundle.Leaf.SerialNumber, slot.Bundle.Leaf.Subject, slot.Bundle.Leaf.NotAfter.ToUniversalTime(), string.Join(", ", slot.Names));
        }

        _expiry = new CertificateExpiryMonitor(_slots, _options.Reload.ExpiryWarning, _options.TimeProvider, _log);
        _reloader = new CertificateReloader(_slots, _reloadGate, factory, _options, _log, _expiry, () => _selector = BuildSelector());
    }

    /// <summary>
    /// Starts every stapler at once. Those holding a valid staple (memory, store) are ready at once; the others get
    /// a bounded wait for their first fetch, so the first handshake is stapled when the responder answers.
    /// </summary>
    private async Task StartStaplersAsync(List<(CertificateSlot Slot, Stapler Stapler)> staplers, CancellationToken cancellationToken)
    {
        if (staplers.Count == 0)
        {
            return;
        }

        long started = Stopwatch.GetTimestamp();
        var starts = new Task[staplers.Count];
        for (int i = 0; i < staplers.Count; i++)
        {
            starts[i] = staplers[i].Stapler.StartAsync(seed: null, cancellationToken);
        }

        await Task.WhenAll(starts).ConfigureAwait(false);
        var ready = new Task[staplers.Count];
        for (int i = 0; i < staplers.Count; i++)
        {
            ready[i] = staplers[i].Stapler.Ready;
        }

        try
        {
            await Task.WhenAll(ready).WaitAsync(_options.Stapling.StartupWait, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        TimeSpan waited = Stopwatch.GetElapsedTime(started);
        foreach ((CertificateSlot slot, Stapler stapler) in staplers)
        {
            StapleStatus status = stapler.Status;
            string outcome = status.Staple is not null ? (status.FromStore ? "store" : "fetched")
                : stapler.Ready.IsCompleted ? "failed"
                : "timeout";
            _metrics.StaplingStartup(outcome);
            _stapling.Log.StartupStaple(slot.Source.ToString(), outcome, waited.TotalMilliseconds, status.Serving);
            if (!status.Serving)
            {
                _stapling.Log.RequiredStapleMissing(slot.Source.ToString());
            }
        }
    }

    private CertificateSelector BuildSelector() =>
        new([.. _slots.Select(s => (s.Holder, (IEnumerable<string>)s.Names))], _options.UnknownServerName == Server.UnknownServerNamePolicy.RefuseHandshake);

    private IEnumerable<(string, StapleStatus)> StatusesForMetrics()
    {
        foreach (CertificateSlot slot in _slots)
        {
            if (slot.Holder.StaplingStatus is { } status)
            {
                yield return (RawTls.Diagnostics.RawTlsMetrics.CertificateTag(slot.Holder.Current.Leaf), status);
            }
        }
    }

    private IEnumerable<(string, DateTimeOffset)> ExpiriesForMetrics()
    {
        foreach (CertificateSlot slot in _slots)
        {
            yield return (RawTls.Diagnostics.RawTlsMetrics.CertificateTag(slot.Holder.Current.Leaf), slot.Holder.Current.Leaf.NotAfter.ToUniversalTime());
        }
    }
}
