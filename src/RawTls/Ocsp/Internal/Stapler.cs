using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using RawTls.Certificates;
using RawTls.Diagnostics;

namespace RawTls.Ocsp.Internal;

/// <summary>
/// Keeps one certificate's staple current: load from disk, fetch, validate, persist, publish a new
/// stapled context, and schedule the next refresh — all off the handshake path. One instance (and one
/// timer) per certificate, so a stuck responder for one never delays another.
/// </summary>
internal sealed class Stapler : IAsyncDisposable
{
    private readonly CertificateHolder _holder;
    private readonly CertificateBundle _bundle;
    private readonly StaplingOptions _options;
    private readonly StaplingServices _services;
    private readonly OcspResponseValidator _validator;
    private readonly Uri? _responderUrl;
    private readonly CancellationTokenSource _disposed = new();
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITimer _timer;
    private readonly string _name;
    private readonly StaplingMode _mode;
    private readonly Lock _publishGate = new();
    private bool _staged;
    private bool _retired;
    private StapledCertificateContext? _pending;
    private bool _pendingServe;
    private int _refreshing;
    private Task _current = Task.CompletedTask;
    private OcspStaple? _held;
    private bool _revokedSeen;
    private int _failures;
    private DateTimeOffset? _nextRefresh;
    private string? _lastResult;
    private string? _lastError;
    private DateTimeOffset? _lastAttempt;

    /// <param name="holder">Where contexts are published.</param>
    /// <param name="bundle">The certificate this stapler keeps stapled.</param>
    /// <param name="issuer">The leaf's issuer (OCSP needs it).</param>
    /// <param name="mode">The effective stapling mode of <paramref name="bundle"/>.</param>
    /// <param name="options">Stapling settings.</param>
    /// <param name="services">Shared clock, client, cache, metrics and logs.</param>
    /// <param name="staged">
    /// True for a reloaded certificate: contexts are held back until <see cref="Activate"/>, so the new leaf can get
    /// its staple before any handshake sees it.
    /// </param>
    public Stapler(CertificateHolder holder, CertificateBundle bundle, X509Certificate2 issuer, StaplingMode mode, StaplingOptions options, StaplingServices services, bool staged = false)
    {
        _holder = holder;
        _mode = mode;
        _staged = staged;
        _bundle = bundle;
        _options = options;
        _services = services;
        _name = bundle.Leaf.GetNameInfo(X509NameType.SimpleName, false) + " #" + bundle.Leaf.SerialNumber;
        _validator = new OcspResponseValidator(bundle.Leaf, issuer, services.Time, options.ClockSkew);
        _responderUrl = OcspClient.SelectResponderUri(bundle.Leaf, holder.Source.OcspResponderUrl);
        _timer = services.Time.CreateTimer(static s => ((Stapler)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Completes after the first attempt (cache and fetch) — success or not.</summary>
    public Task FirstAttempt => _firstAttempt.Task;

    public CertificateHolder Holder => _holder;

    /// <summary>The certificate this stapler serves.</summary>
    public CertificateBundle Bundle => _bundle;

    /// <summary>The staple held now (validated; null when none), published or pending.</summary>
    public OcspStaple? HeldStaple => Volatile.Read(ref _held);

    public StapleStatus Status => new()
    {
        Mode = _mode,
        ResponderUrl = _responderUrl,
        Staple = Volatile.Read(ref _staged) ? Volatile.Read(ref _held) : _holder.Current.Staple,
        Serving = _holder.IsServing,
        RevokedSeen = _revokedSeen,
        LastResult = _lastResult,
        LastError = _lastError,
        LastAttempt = _lastAttempt,
        ConsecutiveFailures = _failures,
        NextRefresh = _nextRefresh,
        AdapterActive = _services.AdapterActive,
    };

    /// <summary>Loads a cached staple, then starts the first fetch.</summary>
    public void Start(OcspStaple? seed = null)
    {
        if (seed is not null)
        {
            // The same leaf under a new chain: the staple it had is still its staple (checked again all the same).
            Accept(_validator.Validate(seed.Response), fromCache: true);
        }

        if (_held is null)
        {
            LoadFromCache();
        }

        _ = RefreshNowAsync();
    }

    /// <summary>
    /// Ends staging: publishes the staged context (the one with the staple, if one arrived) or else
    /// <paramref name="initial"/>, and from now on publishes directly.
    /// </summary>
    public void Activate(StapledCertificateContext initial, bool serveInitial)
    {
        lock (_publishGate)
        {
            _staged = false;
            _holder.Stapler = this;
            _holder.StaplingMode = _mode;
            _holder.Publish(_pending ?? initial, _pending is null ? serveInitial : _pendingServe);
            _pending = null;
        }
    }

    /// <summary>Stops publishing for good: a newer certificate took the holder over.</summary>
    public void Retire()
    {
        lock (_publishGate)
        {
            _retired = true;
        }
    }

    /// <summary>Runs a refresh now (or joins the one running).</summary>
    public Task RefreshNowAsync()
    {
        if (Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            return Volatile.Read(ref _current);
        }

        var task = RefreshAsync();
        Volatile.Write(ref _current, task);
        return task;
    }

    private void OnTimer()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        // Drop an expiring staple first, so a slow or failing fetch never lets it be served past its time.
        DropIfExpired();
        _ = RefreshNowAsync();
    }

    private async Task RefreshAsync()
    {
        try
        {
            await Task.Yield();
            DropIfExpired();
            if (_responderUrl is null)
            {
                Fail("no_responder_url", "the certificate names no OCSP responder (AIA) and no override URL is set", LogLevel.Warning);
                return;
            }

            if (!_services.AdapterActive)
            {
                await RefreshThroughRuntimeAsync().ConfigureAwait(false);
                return;
            }

            OcspFetchResult fetch = await _services.Client.FetchAsync(_bundle.Leaf, _validator.CertId, _holder.Source.OcspResponderUrl, _disposed.Token).ConfigureAwait(false);
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            if (!fetch.IsSuccess)
            {
                Fail(FetchTag(fetch.Outcome), fetch.Message, LogLevel.Warning);
                return;
            }

            OcspValidationResult result = _validator.Validate(fetch.Body, _held?.ThisUpdate);
            Accept(result, fromCache: false);
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Fail("error", ex.Message, LogLevel.Error);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
            _firstAttempt.TrySetResult();
        }
    }

    /// <summary>
    /// Fallback when the adapter is unusable: let the runtime fetch (from the leaf's AIA URL; it needs the
    /// root among the certificates), and publish its context only once an in-memory probe handshake shows
    /// it stapling a response that passes our validation.
    /// </summary>
    private async Task RefreshThroughRuntimeAsync()
    {
        var additional = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection(_bundle.Intermediates);
        if (_bundle.Root is not null)
        {
            additional.Add(_bundle.Root);
        }

        var context = System.Net.Security.SslStreamCertificateContext.Create(_bundle.Leaf, additional, offline: false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
        deadline.CancelAfter(_options.FetchTimeout);
        byte[]? staple = null;
        try
        {
            while (staple is null)
            {
                staple = await StapleAdapterCheck.ProbeStapleAsync(context, deadline.Token).ConfigureAwait(false);
                if (staple is null)
                {
                    await Task.Delay(100, deadline.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!_disposed.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or System.Security.Authentication.AuthenticationException)
        {
            Fail("runtime_probe_failed", ex.Message, LogLevel.Warning);
            return;
        }

        if (staple is null)
        {
            Fail("runtime_no_staple", $"the runtime's own OCSP fetch produced no staple within {_options.FetchTimeout} (it needs an http AIA URL in the certificate and the root among the certificates)", LogLevel.Warning);
            return;
        }

        Accept(_validator.Validate(staple, _held?.ThisUpdate), fromCache: false, runtimeContext: context);
    }

    /// <summary>Applies a validation result: publish, keep, or back off. Returns true when a staple was accepted.</summary>
    private bool Accept(OcspValidationResult result, bool fromCache, System.Net.Security.SslStreamCertificateContext? runtimeContext = null)
    {
        DateTimeOffset now = _services.Time.GetUtcNow();
        _lastAttempt = now;
        switch (result.Verdict)
        {
            case OcspVerdict.Rejected:
                Fail("rejected:" + RawTlsMetrics.ToSnakeCase(result.RejectReason.ToString()), result.Message, result.RejectReason == OcspRejectReason.TryLater ? LogLevel.Information : LogLevel.Warning, fromCache);
                return false;
            case OcspVerdict.Unknown:
                Fail("unknown", "the responder does not know this certificate (status unknown)", LogLevel.Warning, fromCache);
                return false;
            case OcspVerdict.Good when _revokedSeen:
                // Never roll back to GOOD once REVOKED was seen: a responder that flips is not to be trusted.
                Fail("rejected:good_after_revoked", "a GOOD response arrived after REVOKED was seen; keeping the revoked status", LogLevel.Error, fromCache);
                return false;
        }

        var staple = new OcspStaple(
            result.RawResponse.ToArray(),
            result.Verdict == OcspVerdict.Revoked ? OcspCertificateStatus.Revoked : OcspCertificateStatus.Good,
            result.ThisUpdate!.Value,
            result.NextUpdate!.Value,
            result.ProducedAt ?? result.ThisUpdate!.Value,
            result.RevocationTime,
            now);

        if (staple.NextUpdate - _options.ExpiryMargin <= now)
        {
            Fail("rejected:expiring", "the response expires within the expiry margin", LogLevel.Warning, fromCache);
            return false;
        }

        // "Same" means the same bytes: a new status can arrive with the same thisUpdate (second resolution).
        bool same = _held is not null && _held.Response.Span.SequenceEqual(result.RawResponse.Span);
        _failures = 0;
        _lastError = null;
        string tag = result.Verdict == OcspVerdict.Revoked ? "revoked" : "good";
        _lastResult = fromCache ? "cache:" + tag : tag;
        if (!fromCache)
        {
            _services.Metrics.OcspFetch(same ? "unchanged" : tag, _name);
        }

        if (!same)
        {
            bool firstRevoked = result.Verdict == OcspVerdict.Revoked && !_revokedSeen;
            _held = staple;
            if (result.Verdict == OcspVerdict.Revoked)
            {
                _revokedSeen = true;
            }

            Publish(staple, runtimeContext);
            if (!fromCache)
            {
                Persist(staple);
            }

            if (firstRevoked)
            {
                _services.Log.CertificateRevoked(_name, staple.RevocationTime, _options.RevokedPolicy);
                _options.OnCertificateRevoked(_holder, new CertificateRevokedEventArgs(_bundle.Leaf, staple));
            }
            else
            {
                _services.Log.StapleUpdated(_name, tag, staple.ThisUpdate, staple.NextUpdate, fromCache);
            }
        }

        ScheduleAfterSuccess(staple, now);
        return true;
    }

    private void Publish(OcspStaple? staple, System.Net.Security.SslStreamCertificateContext? runtimeContext = null)
    {
        bool serve = staple is not null || _mode != StaplingMode.Require;
        if (staple?.Status == OcspCertificateStatus.Revoked)
        {
            switch (_options.RevokedPolicy)
            {
                case RevokedCertificatePolicy.StopServing:
                    serve = false;
                    break;
                case RevokedCertificatePolicy.UseFallbackCertificate when _services.Fallback is not null:
                    Emit(StapledContextFactory.Create(_services.Fallback, stapling: true, staple: null, _options.ExpiryMargin, _services.Time, _holder.NextVersion()), serve: true);
                    return;
            }
        }

        StapledCertificateContext context = runtimeContext is not null && staple is not null
            ? StapledContextFactory.FromRuntime(_bundle, runtimeContext, staple, _options.ExpiryMargin, _services.Time, _holder.NextVersion())
            : StapledContextFactory.Create(_bundle, stapling: _services.AdapterActive, staple, _options.ExpiryMargin, _services.Time, _holder.NextVersion());
        Emit(context, serve);
    }

    /// <summary>Publishes into the holder, or keeps the context while staged; a retired stapler publishes nothing.</summary>
    private void Emit(StapledCertificateContext context, bool serve)
    {
        // Off the handshake path: the lock only orders this stapler's publications against Activate and Retire.
        lock (_publishGate)
        {
            if (_retired)
            {
                return;
            }

            if (_staged)
            {
                _pending = context;
                _pendingServe = serve;
                return;
            }

            _holder.Publish(context, serve);
        }
    }

    private void DropIfExpired()
    {
        OcspStaple? held = _held;
        if (held is not null && _services.Time.GetUtcNow() >= held.NextUpdate - _options.ExpiryMargin)
        {
            _held = null;
            _services.Log.StapleDropped(_name, held.NextUpdate);
            // A revoked status stays known (never GOOD again) even when its response expires.
            Publish(null);
        }
    }

    private void Fail(string tag, string message, LogLevel level, bool fromCache = false)
    {
        DateTimeOffset now = _services.Time.GetUtcNow();
        _lastAttempt = now;
        if (fromCache)
        {
            _services.Log.CacheRejected(_name, message);
            return;
        }

        _failures++;
        _lastResult = tag;
        _lastError = message;
        _services.Metrics.OcspFetch(tag, _name);
        _services.Log.FetchFailed(level, _name, tag, message, _failures);

        // Exponential backoff with jitter, but never so late that the held staple expires unrefreshed.
        double factor = Math.Pow(2, Math.Min(_failures - 1, 20));
        TimeSpan delay = TimeSpan.FromTicks((long)Math.Min(_options.RetryBaseDelay.Ticks * factor, _options.RetryMaxDelay.Ticks));
        delay = Jittered(delay);
        if (_held is not null)
        {
            TimeSpan untilDrop = _held.NextUpdate - _options.ExpiryMargin - now;
            if (untilDrop > TimeSpan.Zero && untilDrop < delay)
            {
                delay = untilDrop;
            }
        }

        Schedule(now, delay);
    }

    private void ScheduleAfterSuccess(OcspStaple staple, DateTimeOffset now)
    {
        // Refresh at about half of the validity window: a responder outage of up to half the window
        // never costs a staple.
        TimeSpan window = staple.NextUpdate - staple.ThisUpdate;
        DateTimeOffset target = staple.ThisUpdate + (window / 2);
        TimeSpan delay = Jittered(target - now);
        if (delay < _options.MinRefreshInterval)
        {
            delay = _options.MinRefreshInterval;
        }

        if (delay > _options.MaxRefreshInterval)
        {
            delay = _options.MaxRefreshInterval;
        }

        TimeSpan untilDrop = staple.NextUpdate - _options.ExpiryMargin - now;
        if (delay > untilDrop)
        {
            delay = untilDrop > TimeSpan.Zero ? untilDrop : TimeSpan.Zero;
        }

        Schedule(now, delay);
    }

    private TimeSpan Jittered(TimeSpan delay)
    {
        if (_options.Jitter <= 0 || delay <= TimeSpan.Zero)
        {
            return delay;
        }

        double r = (_options.Random ?? Random.Shared).NextDouble() * 2 - 1; // [-1, 1)
        return TimeSpan.FromTicks((long)(delay.Ticks * (1 + (r * _options.Jitter))));
    }

    private void Schedule(DateTimeOffset now, TimeSpan delay)
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _nextRefresh = now + delay;
        _timer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    private void LoadFromCache()
    {
        if (_services.Cache is null)
        {
            return;
        }

        try
        {
            byte[]? bytes = _services.Cache.TryLoad(_bundle.Leaf, _options.MaxResponseBytes);
            if (bytes is not null)
            {
                Accept(_validator.Validate(bytes), fromCache: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _services.Metrics.OcspFetch("cache_error", _name);
            _services.Log.CacheFailed(_name, ex.Message);
        }
    }

    private void Persist(OcspStaple staple)
    {
        if (_services.Cache is null)
        {
            return;
        }

        try
        {
            _services.Cache.Save(_bundle.Leaf, staple.Response.Span);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The staple is already published in memory; a disk problem only costs the warm start.
            _services.Metrics.OcspFetch("cache_error", _name);
            _services.Log.CacheFailed(_name, ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed.Cancel();
        await _timer.DisposeAsync().ConfigureAwait(false);
        try
        {
            await Volatile.Read(ref _current).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _disposed.Dispose();
    }

    private static string FetchTag(OcspFetchOutcome outcome) => outcome switch
    {
        OcspFetchOutcome.Timeout => "timeout",
        OcspFetchOutcome.Canceled => "canceled",
        OcspFetchOutcome.HttpError => "http_error",
        OcspFetchOutcome.TooLarge => "too_large",
        OcspFetchOutcome.RedirectLimit => "redirect_limit",
        OcspFetchOutcome.NetworkError => "network_error",
        OcspFetchOutcome.EmptyResponse => "empty_response",
        OcspFetchOutcome.NoResponderUrl => "no_responder_url",
        _ => "error",
    };
}
