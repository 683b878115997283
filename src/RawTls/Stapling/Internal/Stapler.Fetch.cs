using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RawTls.Ocsp;

namespace RawTls.Stapling.Internal;

/// <summary>One fetch: through the store's lease when there is a store, from the responder, or through the runtime (fallback).</summary>
internal sealed partial class Stapler
{
    /// <summary>
    /// How long a fetch lease lasts: two fetch timeouts, but at most a quarter of the validity window, so a lease holder
    /// that died is replaced well before the fleet's staple drops.
    /// </summary>
    private TimeSpan LeaseDuration()
    {
        TimeSpan lease = _services.Options.FetchTimeout * 2;
        TimeSpan? window = _state.Held is { } h ? h.NextUpdate - h.ThisUpdate : _state.LastWindow;
        if (window is { } w && w / 4 < lease)
        {
            lease = w / 4;
        }

        return lease < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : lease;
    }

    private async Task<(Attempt Attempt, bool Leased)> FetchOnceAsync(CancellationToken cancellationToken)
    {
        if (_responderUrl is null)
        {
            return (Attempt.Failed("no_responder_url", "the certificate names no OCSP responder (AIA) and no override URL is set"), false);
        }

        if (!_services.AdapterActive)
        {
            return (await FetchThroughRuntimeAsync(cancellationToken).ConfigureAwait(false), false);
        }

        bool leased = false;
        if (_services.Store is { } store)
        {
            bool? lease = await store.TryAcquireLeaseAsync(_key, _services.LeaseOwner, LeaseDuration(), cancellationToken).ConfigureAwait(false);
            if (lease == false)
            {
                return (await PickUpStoredAsync(store, cancellationToken).ConfigureAwait(false), false);
            }

            leased = lease == true; // null: the store failed; fetch ourselves
            if (leased)
            {
                // The previous holder may have just fetched and let go: its response, if still fresh, spares a fetch.
                Attempt stored = await PickUpStoredAsync(store, cancellationToken).ConfigureAwait(false);
                if (stored.Kind == AttemptKind.Response && _services.Time.GetUtcNow() < stored.Staple!.ThisUpdate + ((stored.Staple.NextUpdate - stored.Staple.ThisUpdate) / 2))
                {
                    return (stored, leased);
                }
            }
        }

        DateTimeOffset? newest;
        lock (_gate)
        {
            newest = _state.NewestThisUpdate;
        }

        OcspFetchResult fetch = await _services.Client.FetchAsync(_bundle.Leaf, _validator.CertId, _overrideUrl, cancellationToken).ConfigureAwait(false);
        if (!fetch.IsSuccess)
        {
            return (Attempt.Failed(FetchTag(fetch.Outcome), fetch.Message), leased);
        }

        return (Attempt.From(_validator.Validate(fetch.Body, newest), _services.Time.GetUtcNow(), fromStore: false), leased);
    }

    /// <summary>Another instance is fetching: take its stored response once it is newer than ours, validated like any other.</summary>
    private async Task<Attempt> PickUpStoredAsync(StoreAccess store, CancellationToken cancellationToken)
    {
        (bool ok, byte[]? bytes) = await store.LoadAsync(_key, cancellationToken).ConfigureAwait(false);
        if (ok && bytes is not null)
        {
            Attempt stored = Attempt.From(_validator.Validate(bytes), _services.Time.GetUtcNow(), fromStore: true);
            OcspStaple? held = HeldStaple;
            if (stored.Kind == AttemptKind.Response && (held is null || stored.Staple!.ThisUpdate > held.ThisUpdate))
            {
                return stored;
            }
        }

        return Attempt.LeaseBusy("another instance holds the fetch lease; nothing newer in the store yet");
    }

    /// <summary>
    /// Fallback when the adapter is not used: let the runtime fetch (from the leaf's AIA URL; it needs the root among
    /// the certificates), and publish its context only once an in-memory probe handshake shows it stapling a response
    /// that passes our validation.
    /// </summary>
    private async Task<Attempt> FetchThroughRuntimeAsync(CancellationToken cancellationToken)
    {
        var additional = new X509Certificate2Collection(_bundle.Intermediates);
        if (_bundle.Root is not null)
        {
            additional.Add(_bundle.Root);
        }

        var context = SslStreamCertificateContext.Create(_bundle.Leaf, additional, offline: false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_services.Options.FetchTimeout);
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
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or AuthenticationException)
        {
            return Attempt.Failed("runtime_probe_failed", ex.Message);
        }

        if (staple is null)
        {
            return Attempt.Failed("runtime_no_staple", $"the runtime's own OCSP fetch produced no staple within {_services.Options.FetchTimeout} (it needs an http AIA URL in the certificate and the root among the certificates)");
        }

        DateTimeOffset? newest;
        lock (_gate)
        {
            newest = _state.NewestThisUpdate;
        }

        return Attempt.From(_validator.Validate(staple, newest), _services.Time.GetUtcNow(), fromStore: false, context);
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
