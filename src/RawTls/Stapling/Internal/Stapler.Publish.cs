using System.Net.Security;
using RawTls.Certificates;
using RawTls.Ocsp;

namespace RawTls.Stapling.Internal;

/// <summary>Applying decisions: publication, timer, status snapshot.</summary>
internal sealed partial class Stapler
{
    /// <summary>Applies <paramref name="decision"/> (under the gate): publish, record, re-arm, snapshot.</summary>
    private void Apply(in RefreshDecision decision, Attempt? attempt)
    {
        DateTimeOffset now = _services.Time.GetUtcNow();
        OcspStaple? before = _state.Held;
        _state = decision.State;
        switch (decision.Action)
        {
            case StapleAction.Publish:
            case StapleAction.Revoked:
                _heldFromStore = attempt?.FromStore ?? false;
                Publish(decision.State.Held, attempt?.RuntimeContext);
                if (decision.Action == StapleAction.Publish || before?.Status == OcspCertificateStatus.Revoked)
                {
                    OcspStaple held = decision.State.Held!;
                    _services.Log.StapleUpdated(_name, held.Status == OcspCertificateStatus.Revoked ? "revoked" : "good", held.ThisUpdate, held.NextUpdate, _heldFromStore);
                }

                break;
            case StapleAction.Drop:
                _services.Log.StapleDropped(_name, before?.NextUpdate ?? now);
                _heldFromStore = false;
                Publish(null, null);
                break;
        }

        if (attempt is { } a)
        {
            Record(a, decision, now);
        }

        ArmTimer(now);
        StapleStatus status = BuildStatus();
        Volatile.Write(ref _status, status);
        _sink.StatusChanged(status);
    }

    private void Record(Attempt attempt, in RefreshDecision decision, DateTimeOffset now)
    {
        _lastAttempt = now;
        string tag = decision.Rejected is { } rejected ? (rejected.StartsWith("rejected:", StringComparison.Ordinal) || rejected == attempt.Tag ? attempt.Tag : "rejected:" + rejected)
            : attempt.Kind == AttemptKind.Response && decision.Action == StapleAction.Keep ? "unchanged"
            : attempt.Tag;
        if (attempt.FromStore)
        {
            tag = "store:" + tag;
        }

        bool failed = decision.Rejected is not null || attempt.Kind == AttemptKind.Failed;
        _lastResult = tag;
        _lastError = failed ? attempt.Message ?? "the response is outside its serving window or older than one already accepted" : null;
        if (attempt.Kind == AttemptKind.LeaseBusy)
        {
            return;
        }

        if (attempt.FromStore)
        {
            if (failed)
            {
                _services.Metrics.StoreError("invalid"); // the store answered, with bytes that are no staple
                _services.Log.StoreRejected(_name, $"{tag}: {_lastError}");
            }

            return;
        }

        _services.Metrics.OcspFetch(tag, _name);
        if (failed)
        {
            _services.Log.FetchFailed(attempt.Level, _name, tag, _lastError!, decision.State.Failures);
        }
    }

    /// <summary>
    /// Sets the one-shot timer (under the gate) for the next fetch, or the held staple's drop if that comes first.
    /// While a fetch is in flight only the drop is timed: its verdict schedules the next fetch.
    /// </summary>
    private void ArmTimer(DateTimeOffset now)
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        DateTimeOffset? wake = !_inFlight ? _state.WakeAt(_services.Refresh)
            : _state.Held is { } held ? RefreshPolicy.DropAt(held, _services.Refresh)
            : null;
        _timerForFetch = !_inFlight && wake == _state.NextFetch;
        _armedAt = _services.Time.GetTimestamp();
        if (wake is not { } at)
        {
            _armedFor = TimeSpan.Zero;
            _wakeAt = DateTimeOffset.MaxValue;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        TimeSpan delay = at - now;
        _armedFor = delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
        _wakeAt = at;
        SetTimer(_armedFor);
    }

    /// <summary>Sets the timer for <paramref name="due"/>, but at most <see cref="WallClockCheck"/> ahead.</summary>
    private void SetTimer(TimeSpan due) => _timer.Change(due < WallClockCheck ? due : WallClockCheck, Timeout.InfiniteTimeSpan);

    private void Publish(OcspStaple? staple, SslStreamCertificateContext? runtimeContext)
    {
        bool revoked = staple?.Status == OcspCertificateStatus.Revoked || (staple is null && _state.RevokedSeen);
        bool serve = staple is not null || _mode != StaplingMode.Require;
        if (revoked)
        {
            switch (_services.Options.RevokedPolicy)
            {
                case RevokedCertificatePolicy.StopServing:
                    serve = false;
                    break;
                case RevokedCertificatePolicy.UseFallbackCertificate when _services.Fallback is not null:
                    Emit(StapledContextFactory.Create(_services.Fallback, _services.AdapterActive, staple: null, DateTimeOffset.MinValue, _services.Time, _sink.NextVersion()), serve: true);
                    return;
            }
        }

        DateTimeOffset until = staple is null ? DateTimeOffset.MinValue : RefreshPolicy.DropAt(staple, _services.Refresh);
        StapledCertificateContext context = runtimeContext is not null && staple is not null
            ? StapledContextFactory.FromRuntime(_bundle, runtimeContext, staple, until, _services.Time, _sink.NextVersion())
            : StapledContextFactory.Create(_bundle, _services.AdapterActive, staple, until, _services.Time, _sink.NextVersion());
        Emit(context, serve);
    }

    private void Emit(StapledCertificateContext context, bool serve)
    {
        _serving = serve;
        _sink.Publish(context, serve);
    }

    private StapleStatus BuildStatus()
    {
        OcspStaple? held = _state.Held;
        return new StapleStatus
        {
            Mode = _mode,
            ResponderUrl = _responderUrl,
            State = held is null ? Stapling.StapleState.None : held.Status == OcspCertificateStatus.Revoked ? Stapling.StapleState.Revoked : Stapling.StapleState.Good,
            Staple = held,
            StapleDropsAt = held is null ? null : RefreshPolicy.DropAt(held, _services.Refresh),
            FromStore = held is not null && _heldFromStore,
            Serving = _serving,
            RevokedSeen = _state.RevokedSeen,
            LastResult = _lastResult,
            LastError = _lastError,
            LastAttempt = _lastAttempt,
            ConsecutiveFailures = _state.Failures,
            NextRefresh = _state.NextFetch,
            AdapterActive = _services.AdapterActive,
        };
    }
}
