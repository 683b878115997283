using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using RawTls.Certificates;
using RawTls.Ocsp;

namespace RawTls.Stapling.Internal;

/// <summary>
/// Keeps one certificate's staple current. Owns its timer and its <see cref="RefreshState"/>; asks
/// <see cref="RefreshPolicy"/> what every event means; publishes contexts through its <see cref="PublicationSink"/>
/// and an immutable <see cref="StapleStatus"/> with one reference write. One per certificate, so a stuck responder
/// for one never delays another.
/// </summary>
internal sealed partial class Stapler : IAsyncDisposable
{
    /// <summary>
    /// Timers run on elapsed time; the wall clock can step. The timer looks at the wall clock at least this often,
    /// so a step past the wake time, or out of the held staple's window, is acted on within it.
    /// </summary>
    internal static readonly TimeSpan WallClockCheck = TimeSpan.FromMinutes(1);

    private readonly CertificateBundle _bundle;
    private readonly StaplingMode _mode;
    private readonly StaplingServices _services;
    private readonly PublicationSink _sink;
    private readonly OcspResponseValidator _validator;
    private readonly Uri? _overrideUrl;
    private readonly Uri? _responderUrl;
    private readonly string _name;
    private readonly string _key;
    private readonly CancellationTokenSource _disposed = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITimer _timer;
    private readonly Lock _gate = new(); // orders state transitions of this stapler; never taken by a handshake
    private RefreshState _state;
    private bool _timerForFetch;
    private bool _serving;
    private bool _heldFromStore;
    private string? _lastResult;
    private string? _lastError;
    private DateTimeOffset? _lastAttempt;
    private bool _inFlight; // a fetch is claimed and its verdict not applied yet (under the gate)
    private long _armedAt; // timestamp of the latest arming, to tell a stale timer callback from a due one
    private TimeSpan _armedFor;
    private DateTimeOffset _wakeAt; // the wall-clock instant of the latest arming
    private Task _current = Task.CompletedTask;
    private StapleStatus _status;

    public Stapler(CertificateBundle bundle, StaplingMode mode, Uri? overrideUrl, StaplingServices services, PublicationSink sink)
    {
        _bundle = bundle;
        _mode = mode;
        _services = services;
        _sink = sink;
        _overrideUrl = overrideUrl;
        _name = RawTls.Diagnostics.RawTlsMetrics.CertificateTag(bundle.Leaf);
        _key = Convert.ToHexStringLower(SHA256.HashData(bundle.Leaf.RawData));
        _validator = new OcspResponseValidator(bundle.Leaf, bundle.Issuer!, services.Time, services.Options.ClockSkew);
        _responderUrl = OcspClient.SelectResponderUri(bundle.Leaf, overrideUrl);
        _serving = mode != StaplingMode.Require;
        _state = RefreshState.Initial(services.Time.GetUtcNow());
        _status = BuildStatus();
        _timer = services.Time.CreateTimer(static s => ((Stapler)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Completes once a valid staple is in hand or the first fetch attempt ended, whichever comes first.</summary>
    public Task Ready => _ready.Task;

    public CertificateBundle Bundle => _bundle;

    public StaplingMode Mode => _mode;

    /// <summary>The validated staple held now, or null.</summary>
    public OcspStaple? HeldStaple => Volatile.Read(ref _status).Staple;

    /// <summary>The latest snapshot: one volatile read of an immutable record.</summary>
    public StapleStatus Status => Volatile.Read(ref _status);

    /// <summary>The store key of this leaf: lowercase hex SHA-256 of its DER encoding.</summary>
    public string StoreKey => _key;

    /// <summary>
    /// Takes <paramref name="seed"/> (the same leaf's staple from before a reload) or the stored response, then
    /// fetches in the background unless what it holds is fresh enough to wait for its scheduled refresh.
    /// </summary>
    public async Task StartAsync(OcspStaple? seed, CancellationToken cancellationToken)
    {
        string? source = null;
        if (seed is not null && Handle(Attempt.From(_validator.Validate(seed.Response), seed.ReceivedAt, fromStore: false)).State.Held is not null)
        {
            source = "memory";
        }

        if (source is null && _services.Store is { } store && _services.AdapterActive)
        {
            (bool ok, byte[]? bytes) = await store.LoadAsync(_key, cancellationToken).ConfigureAwait(false);
            if (ok && bytes is not null)
            {
                Attempt stored = Attempt.From(_validator.Validate(bytes), _services.Time.GetUtcNow(), fromStore: true);
                if (Handle(stored).State.Held is not null)
                {
                    source = "store";
                }
            }
        }

        if (source is not null && Volatile.Read(ref _status).Staple is { } held)
        {
            _services.Log.StartedWithStaple(_name, source, RefreshPolicy.DropAt(held, _services.Refresh));
            _ready.TrySetResult();
            if (_services.Time.GetUtcNow() < held.ThisUpdate + ((held.NextUpdate - held.ThisUpdate) / 2))
            {
                return; // fresh: the timer armed by the decision refreshes it on schedule
            }
        }

        _ = RefreshNowAsync();
    }

    /// <summary>The refresh running now, store write and lease release included; a completed task when none is.</summary>
    public Task CurrentRefresh
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Stops publishing for good: a newer certificate took the holder over.</summary>
    public void RetireSink() => _sink.Retire();

    /// <summary>Runs a fetch now (or joins the one running).</summary>
    public Task RefreshNowAsync()
    {
        lock (_gate)
        {
            if (!_inFlight && !_disposed.IsCancellationRequested)
            {
                StartFetch();
                ArmTimer(_services.Time.GetUtcNow());
            }

            return _current;
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            // One-shot timer, re-armed under this gate: a callback that was already on its way when the timer was
            // re-armed belongs to the old arming and must not fetch early (or twice). Set it again for what is left,
            // so a callback that merely ran a tick early is not lost. Due on elapsed time, or when the wall clock
            // stepped past the wake time or out of the held staple's window (checked every WallClockCheck).
            TimeSpan left = _armedFor - _services.Time.GetElapsedTime(_armedAt);
            DateTimeOffset now = _services.Time.GetUtcNow();
            bool due = left <= TimeSpan.Zero || now >= _wakeAt;
            if (!due && (_state.Held is not { } held || RefreshPolicy.Servable(held, now, _services.Refresh)))
            {
                SetTimer(left);
                return;
            }

            // Drop an expiring staple first, so a slow or failing fetch never lets it be served past its time.
            RefreshDecision decision = RefreshPolicy.OnTimer(_state, now, due && _timerForFetch && !_inFlight, _services.Refresh);
            if (decision.FetchNow)
            {
                StartFetch(); // claimed before the re-arm, so the timer is not set for the fetch that is starting
            }

            Apply(decision, attempt: null);
        }
    }

    /// <summary>Claims the one fetch (under the gate). The task yields at once, so no I/O runs under the gate.</summary>
    private void StartFetch()
    {
        _inFlight = true;
        _current = RefreshAsync();
    }

    private async Task RefreshAsync()
    {
        bool leased = false;
        try
        {
            await Task.Yield();
            (Attempt attempt, leased) = await FetchOnceAsync(_disposed.Token).ConfigureAwait(false);
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            RefreshDecision decision = Handle(attempt, verdict: true);
            if (attempt.Kind == AttemptKind.Response && !attempt.FromStore && decision.Rejected is null && _services.Store is { } store)
            {
                // After publishing: the store only ever costs the shared copy.
                await store.SaveAsync(_key, attempt.Staple!.Response, _disposed.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Handle(Attempt.Failed("error", ex.Message, LogLevel.Error), verdict: true);
        }
        finally
        {
            if (leased && !_disposed.IsCancellationRequested)
            {
                await _services.Store!.ReleaseLeaseAsync(_key, _services.LeaseOwner, CancellationToken.None).ConfigureAwait(false);
            }

            _ready.TrySetResult();
        }
    }

    /// <summary>
    /// Asks the policy about <paramref name="attempt"/> and applies its decision. <paramref name="verdict"/>: the
    /// attempt ends the fetch in flight, which is released in the same step that schedules the next one.
    /// </summary>
    private RefreshDecision Handle(Attempt attempt, bool verdict = false)
    {
        RefreshDecision decision;
        bool firstRevoked;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return new RefreshDecision(StapleAction.Keep, _state, false, null);
            }

            if (verdict)
            {
                _inFlight = false;
            }

            DateTimeOffset now = _services.Time.GetUtcNow();
            RefreshSettings settings = _services.Refresh;
            bool wasRevoked = _state.RevokedSeen;
            decision = attempt.Kind switch
            {
                AttemptKind.Response => RefreshPolicy.OnResponse(_state, attempt.Staple!, now, _services.Jitter(), attempt.FromStore, settings),
                AttemptKind.LeaseBusy => RefreshPolicy.OnWait(_state, now, LeaseDuration() / 4, settings),
                _ when attempt.FromStore => RefreshPolicy.OnWait(_state, now, TimeSpan.Zero, settings) with { Rejected = attempt.Tag },
                _ => RefreshPolicy.OnFailure(_state, now, _services.Jitter(), settings, attempt.Tag),
            };
            firstRevoked = !wasRevoked && decision.State.RevokedSeen;
            Apply(decision, attempt);
        }

        if (firstRevoked)
        {
            OcspStaple revoked = decision.State.Held!;
            _services.Log.CertificateRevoked(_name, revoked.RevocationTime, _services.Options.RevokedPolicy);
            _services.Options.OnCertificateRevoked(this, new CertificateRevokedEventArgs(_bundle.Leaf, revoked));
        }

        return decision;
    }

    public async ValueTask DisposeAsync()
    {
        _disposed.Cancel();
        await _timer.DisposeAsync().ConfigureAwait(false);
        Task current;
        lock (_gate)
        {
            current = _current;
        }

        try
        {
            await current.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _disposed.Dispose();
    }
}
