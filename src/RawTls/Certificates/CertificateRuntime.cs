using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RawTls.Diagnostics;
using RawTls.Ocsp;
using RawTls.Ocsp.Internal;
using RawTls.Server;

namespace RawTls.Certificates;

/// <summary>
/// Loads the configured certificates, creates their holders and keeps them current: stapling refresh, and
/// reloads of file-based certificates (on file change, on request). Owned by one <see cref="TlsServer"/>.
/// </summary>
/// <remarks>
/// A reload never mutates what is published: it loads and checks the new files off the handshake path, lets a
/// new <see cref="Stapler"/> obtain the new leaf's staple first (bounded), then publishes into the same
/// <see cref="CertificateHolder"/>; when the names change, a new <see cref="CertificateSelector"/> is published
/// through one volatile reference.
/// </remarks>
internal sealed class CertificateRuntime : IAsyncDisposable
{
    private readonly TlsServerOptions _options;
    private readonly SslServerAuthenticationOptions _template;
    private readonly RawTlsMetrics _metrics;
    private readonly StaplingLog _log;
    private readonly CertificateLog _certificateLog;
    private readonly List<CertificateSlot> _slots = [];
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private volatile CertificateSelector? _selector;
    private CertificateFileWatcher? _watcher;
    private ITimer? _expiryTimer;
    private StaplingServices? _services;
    private OcspClient? _client;
    private bool _adapterChecked;
    private volatile bool _disposing;

    public CertificateRuntime(TlsServerOptions options, SslServerAuthenticationOptions template, RawTlsMetrics metrics)
    {
        _options = options;
        _template = template;
        _metrics = metrics;
        ILoggerFactory? factory = _options.LoggerFactory;
        _log = new StaplingLog(factory?.CreateLogger("RawTls.Ocsp") ?? NullLogger.Instance);
        _certificateLog = new CertificateLog(factory?.CreateLogger("RawTls.Certificates") ?? NullLogger.Instance);
    }

    /// <summary>The selector handshakes use now; replaced whole when a reload changes a certificate's names.</summary>
    public CertificateSelector? Selector => _selector;

    /// <summary>True when staples are bound through the runtime adapter (false after a failed startup check).</summary>
    public bool AdapterActive { get; private set; } = true;

    public async Task<CertificateSelector> StartAsync(CancellationToken cancellationToken)
    {
        TimeProvider time = _options.TimeProvider;
        StaplingOptions stapling = _options.Stapling;
        foreach (ServerCertificateOptions source in _options.Certificates)
        {
            CertificateBundle bundle;
            CertificateFiles? files = null;
            int stamp = 0;
            try
            {
                if (source.Kind != CertificateSourceKind.InMemory)
                {
                    stamp = CertificateFiles.Stamp(source);
                    files = CertificateFiles.Read(source);
                }

                bundle = CertificateLoader.Load(source, time.GetUtcNow(), files);
            }
            catch (CertificateLoadException)
            {
                _metrics.CertificateLoad("error", source.ToString());
                throw;
            }

            _metrics.CertificateLoad("ok", source.ToString());
            (StaplingMode mode, bool adapter) = await ResolveModeAsync(source, bundle, cancellationToken).ConfigureAwait(false);
            bool stapled = mode != StaplingMode.Off;

            // Without the adapter, the initial context never staples; the stapler publishes runtime-fetching
            // contexts only after a probe handshake has shown them stapling a valid response.
            var context = StapledContextFactory.Create(bundle, stapled && adapter, staple: null, stapling.ExpiryMargin, time, version: 1);
            var holder = new CertificateHolder(source, mode, _template, context, serve: mode != StaplingMode.Require) { Runtime = this };
            var slot = new CertificateSlot(source, holder, bundle, NamesOf(source, bundle)) { ServedHash = files?.Hash, SeenStamp = stamp };
            if (stapled)
            {
                _services ??= CreateServices(adapter);
                slot.Stapler = new Stapler(holder, bundle, bundle.Issuer!, mode, stapling, _services);
            }

            _slots.Add(slot);
        }

        foreach (CertificateSlot slot in _slots)
        {
            if (slot.Stapler is { } stapler)
            {
                slot.Holder.Stapler = stapler;
                stapler.Start();
            }
        }

        _metrics.ObserveStapling(StatusesForMetrics, time);
        _metrics.ObserveCertificates(ExpiriesForMetrics, time);

        var staplers = _slots.Where(s => s.Stapler is not null).Select(s => s.Stapler!).ToList();
        if (staplers.Count > 0)
        {
            // Obtain first staples before accepting, so the first handshake is stapled; bounded.
            try
            {
                await Task.WhenAll(staplers.Select(s => s.FirstAttempt)).WaitAsync(stapling.StartupWait, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }

            foreach (Stapler stapler in staplers)
            {
                if (!stapler.Holder.IsServing)
                {
                    _log.RequiredStapleMissing(stapler.Holder.Source.ToString());
                }
            }
        }

        _selector = BuildSelector();
        foreach (CertificateSlot slot in _slots)
        {
            X509Certificate2 leaf = slot.Bundle.Leaf;
            _certificateLog.Serving(slot.Source.ToString(), leaf.SerialNumber, leaf.Subject, leaf.NotAfter.ToUniversalTime(), string.Join(", ", slot.Names));
        }

        WarnIfExpiringSoon();
        _expiryTimer = time.CreateTimer(static s => ((CertificateRuntime)s!).WarnIfExpiringSoon(), this, TimeSpan.FromDays(1), TimeSpan.FromDays(1));

        List<string> watched = [.. _slots.Where(s => s.Watched).SelectMany(s => s.Source.Files)];
        if (watched.Count > 0)
        {
            CertificateReloadOptions reload = _options.Reload;
            _watcher = new CertificateFileWatcher(watched, reload.Debounce, reload.PollInterval, AnyStampChanged, OnFilesQuiet, _certificateLog);
        }

        return _selector;
    }

    /// <summary>Re-reads every file-based certificate now (SIGHUP, API); one result per certificate, in configuration order.</summary>
    public async Task<IReadOnlyList<CertificateReloadStatus>> ReloadAllAsync(CancellationToken cancellationToken)
    {
        await _reloadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
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
            _reloadGate.Release();
        }
    }

    /// <summary>Re-reads one certificate's files now.</summary>
    public async Task<CertificateReloadStatus> ReloadAsync(CertificateHolder holder, CancellationToken cancellationToken)
    {
        CertificateSlot slot = _slots.Find(s => ReferenceEquals(s.Holder, holder)) ?? throw new ArgumentException("The holder does not belong to this server.", nameof(holder));
        await _reloadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return (await ReloadSlotAsync(slot, force: true, cancellationToken).ConfigureAwait(false))!;
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    private void OnFilesQuiet() => _ = ReloadChangedAsync();

    /// <summary>After a debounced change: reloads each watched certificate whose file contents differ from what is served.</summary>
    private async Task ReloadChangedAsync()
    {
        if (_disposing)
        {
            return;
        }

        await _reloadGate.WaitAsync().ConfigureAwait(false);
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
            _certificateLog.ReloadFailed("?", ex.Message);
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    /// <summary>
    /// Reads, checks and swaps in one certificate. Returns null when a watcher-driven check found nothing new to
    /// report (same contents as served, or the same failure as last time).
    /// </summary>
    private async Task<CertificateReloadStatus?> ReloadSlotAsync(CertificateSlot slot, bool force, CancellationToken cancellationToken)
    {
        ServerCertificateOptions source = slot.Source;
        CertificateHolder holder = slot.Holder;
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
                slot.FailedHash = null;
                return force ? Status(CertificateReloadResult.Unchanged, slot, null) : null;
            }

            if (!force && slot.FailedHash is not null && hash.AsSpan().SequenceEqual(slot.FailedHash))
            {
                return null;
            }

            CertificateBundle bundle = CertificateLoader.Load(source, _options.TimeProvider.GetUtcNow(), files);
            return await SwapAsync(slot, bundle, hash, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            string reason = ex is CertificateLoadException ? ex.Message : $"{source}: {ex.Message}";
            if (!force && CertificateFiles.Stamp(source) != stamp)
            {
                // The files changed while being read: a writer is mid-way. Look again once it is done.
                _watcher?.Trigger();
                return null;
            }

            byte[] failure = hash ?? System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(reason));
            if (!force && slot.FailedHash is not null && failure.AsSpan().SequenceEqual(slot.FailedHash))
            {
                return null;
            }

            slot.FailedHash = failure;
            _metrics.CertificateLoad("error", source.ToString());
            _certificateLog.ReloadFailed(holder.Current.Leaf.SerialNumber, reason);
            CertificateReloadStatus status = Status(CertificateReloadResult.Failed, slot, reason);
            holder.LastReload = status;
            return status;
        }
    }

    private async Task<CertificateReloadStatus> SwapAsync(CertificateSlot slot, CertificateBundle bundle, byte[] hash, CancellationToken cancellationToken)
    {
        ServerCertificateOptions source = slot.Source;
        CertificateHolder holder = slot.Holder;
        StaplingOptions stapling = _options.Stapling;
        (StaplingMode mode, bool adapter) = await ResolveModeAsync(source, bundle, cancellationToken).ConfigureAwait(false);
        bool stapled = mode != StaplingMode.Off;
        var initial = StapledContextFactory.Create(bundle, stapled && adapter, staple: null, stapling.ExpiryMargin, _options.TimeProvider, holder.NextVersion());
        string serial = bundle.Leaf.SerialNumber;
        Stapler? next = null;
        if (stapled)
        {
            _services ??= CreateServices(adapter);
            next = new Stapler(holder, bundle, bundle.Issuer!, mode, stapling, _services, staged: true);
            bool sameLeaf = slot.Bundle.Leaf.RawData.AsSpan().SequenceEqual(bundle.Leaf.RawData);
            next.Start(sameLeaf ? slot.Stapler?.HeldStaple : null);
            TimeSpan wait = _options.Reload.StapleWait;
            if (next.HeldStaple is null)
            {
                try
                {
                    // Network waits are real time, whatever clock validity is checked against.
                    await next.FirstAttempt.WaitAsync(wait, TimeProvider.System, cancellationToken).ConfigureAwait(false);
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

                _certificateLog.ReloadedWithoutStaple(source.ToString(), serial, wait, problem);
            }
        }

        Stapler? previous = slot.Stapler;
        previous?.Retire(); // from here on only the new certificate's contexts reach the holder
        if (next is not null)
        {
            next.Activate(initial, serveInitial: mode != StaplingMode.Require);
        }
        else
        {
            holder.Stapler = null;
            holder.StaplingMode = mode;
            holder.Publish(initial, serve: true);
        }

        slot.Stapler = next;
        slot.Bundle = bundle;
        slot.ServedHash = hash;
        slot.FailedHash = null;
        List<string> names = NamesOf(source, bundle);
        if (!names.SequenceEqual(slot.Names, StringComparer.OrdinalIgnoreCase))
        {
            slot.Names = names;
            _selector = BuildSelector();
        }

        _metrics.CertificateLoad("ok", source.ToString());
        OcspStaple? served = holder.Current.Staple;
        _certificateLog.Reloaded(source.ToString(), serial, bundle.Leaf.Subject, bundle.Leaf.NotAfter.ToUniversalTime(), string.Join(", ", names),
            served is null ? (stapled ? "none yet" : "off") : $"{served.Status} until {served.NextUpdate:u}");
        WarnIfExpiringSoon(slot);
        CertificateReloadStatus status = Status(CertificateReloadResult.Reloaded, slot, null);
        holder.LastReload = status;
        if (previous is not null)
        {
            await previous.DisposeAsync().ConfigureAwait(false);
        }

        return status;
    }

    private async Task<(StaplingMode Mode, bool Adapter)> ResolveModeAsync(ServerCertificateOptions source, CertificateBundle bundle, CancellationToken cancellationToken)
    {
        StaplingMode mode = source.Stapling ?? _options.Stapling.Mode;
        if (mode != StaplingMode.Off && OcspCertificateInfo.IsMustStaple(bundle.Leaf))
        {
            mode = StaplingMode.Require; // Must-Staple: clients will refuse it unstapled anyway
        }

        if (mode != StaplingMode.Off && bundle.Issuer is null)
        {
            if (mode == StaplingMode.Require)
            {
                throw new CertificateLoadException($"{source}: stapling is required but the chain does not include the certificate's issuer ('{bundle.Leaf.Issuer}'), which OCSP needs.");
            }

            _log.NoIssuer(source.ToString());
            mode = StaplingMode.Off;
        }

        bool adapter = mode != StaplingMode.Off && await EnsureAdapterAsync(bundle, cancellationToken).ConfigureAwait(false);
        return (mode, adapter);
    }

    private CertificateSelector BuildSelector() =>
        new([.. _slots.Select(s => (s.Holder, (IEnumerable<string>)s.Names))], _options.UnknownServerName == UnknownServerNamePolicy.RefuseHandshake);

    private static List<string> NamesOf(ServerCertificateOptions source, CertificateBundle bundle) =>
        source.HostNames is { } names ? [.. names] : GetNames(bundle.Leaf);

    private CertificateReloadStatus Status(CertificateReloadResult result, CertificateSlot slot, string? error) => new()
    {
        Result = result,
        At = _options.TimeProvider.GetUtcNow(),
        SerialNumber = slot.Holder.Current.Leaf.SerialNumber,
        Error = error,
    };

    private bool AnyStampChanged()
    {
        foreach (CertificateSlot slot in _slots)
        {
            if (slot.Watched && CertificateFiles.Stamp(slot.Source) != slot.SeenStamp)
            {
                return true;
            }
        }

        return false;
    }

    private void WarnIfExpiringSoon()
    {
        foreach (CertificateSlot slot in _slots)
        {
            WarnIfExpiringSoon(slot);
        }
    }

    private void WarnIfExpiringSoon(CertificateSlot slot)
    {
        X509Certificate2 leaf = slot.Holder.Current.Leaf;
        DateTimeOffset notAfter = leaf.NotAfter.ToUniversalTime();
        TimeSpan left = notAfter - _options.TimeProvider.GetUtcNow();
        if (left < _options.Reload.ExpiryWarning)
        {
            _certificateLog.ExpiresSoon(slot.Source.ToString(), leaf.SerialNumber, notAfter, left.TotalDays);
        }
    }

    private IEnumerable<(string, StapleStatus)> StatusesForMetrics()
    {
        foreach (CertificateSlot slot in _slots)
        {
            if (slot.Holder.Stapler is { } stapler)
            {
                yield return (slot.Holder.Current.Leaf.Subject, stapler.Status);
            }
        }
    }

    private IEnumerable<(string, DateTimeOffset)> ExpiriesForMetrics()
    {
        foreach (CertificateSlot slot in _slots)
        {
            yield return (slot.Source.ToString(), slot.Holder.Current.Leaf.NotAfter.ToUniversalTime());
        }
    }

    private StaplingServices CreateServices(bool adapterActive)
    {
        StaplingOptions stapling = _options.Stapling;
        _client = new OcspClient(new OcspClientOptions
        {
            Timeout = stapling.FetchTimeout,
            MaxResponseBytes = stapling.MaxResponseBytes,
            MaxRedirects = stapling.MaxRedirects,
            TimeProvider = TimeProvider.System, // network deadlines are real time even under a fake clock
        });
        CertificateBundle? fallback = null;
        if (stapling.FallbackCertificate is not null)
        {
            fallback = CertificateLoader.Assemble(stapling.FallbackCertificate, stapling.FallbackChain is null ? [] : [.. stapling.FallbackChain], "fallback certificate");
        }

        return new StaplingServices(
            _options.TimeProvider,
            _client,
            stapling.CacheDirectory is null ? null : new StapleCache(stapling.CacheDirectory),
            _metrics,
            _log,
            fallback,
            adapterActive);
    }

    private async Task<bool> EnsureAdapterAsync(CertificateBundle bundle, CancellationToken cancellationToken)
    {
        if (_adapterChecked)
        {
            return AdapterActive;
        }

        _adapterChecked = true;
        (bool ok, string? problem) = await StapleAdapterCheck.RunAsync(bundle, _options.Stapling.SimulateAdapterUnavailable, cancellationToken).ConfigureAwait(false);
        AdapterActive = ok;
        _metrics.SetAdapterAvailable(ok);
        if (!ok)
        {
            _log.AdapterUnavailable(problem ?? "unknown");
        }

        return ok;
    }

    public async ValueTask DisposeAsync()
    {
        _disposing = true;
        _watcher?.Dispose();
        _expiryTimer?.Dispose();
        await _reloadGate.WaitAsync().ConfigureAwait(false); // let a reload in progress finish (bounded by its staple wait)
        try
        {
            foreach (CertificateSlot slot in _slots)
            {
                if (slot.Stapler is { } stapler)
                {
                    await stapler.DisposeAsync().ConfigureAwait(false);
                }
            }

            _client?.Dispose();
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    /// <summary>The DNS names and IP addresses in the certificate's subject alternative names.</summary>
    internal static List<string> GetNames(X509Certificate2 leaf)
    {
        var names = new List<string>();
        foreach (var ext in leaf.Extensions)
        {
            if (ext is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames());
                foreach (IPAddress ip in san.EnumerateIPAddresses())
                {
                    names.Add(ip.ToString());
                }
            }
        }

        if (names.Count == 0)
        {
            string cn = leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            if (!string.IsNullOrEmpty(cn))
            {
                names.Add(cn);
            }
        }

        return names;
    }
}
