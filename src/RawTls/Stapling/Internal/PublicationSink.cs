using RawTls.Certificates;

namespace RawTls.Stapling.Internal;

/// <summary>
/// Where a stapler's contexts go. A reloaded certificate's stapler starts staged: its contexts are held back until
/// <see cref="Activate"/>, so the new leaf gets its staple before any handshake sees it. A retired sink drops
/// everything: a newer certificate took the holder over. The stapler never sees the holder.
/// </summary>
internal sealed class PublicationSink
{
    private readonly CertificateHolder _holder;
    private readonly Lock _gate = new();
    private bool _staged;
    private bool _retired;
    private StapledCertificateContext? _pending;
    private bool _pendingServe;

    public PublicationSink(CertificateHolder holder, bool staged)
    {
        _holder = holder;
        _staged = staged;
    }

    public long NextVersion() => _holder.NextVersion();

    public void Publish(StapledCertificateContext context, bool serve)
    {
        // Off the handshake path: the lock only orders this sink's publications against Activate and Retire.
        lock (_gate)
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

    /// <summary>Passes a new status snapshot on to the holder's subscribers (nothing while staged or after retirement).</summary>
    public void StatusChanged(StapleStatus status)
    {
        if (!Volatile.Read(ref _staged) && !Volatile.Read(ref _retired))
        {
            _holder.OnStaplingStatusChanged(status);
        }
    }

    /// <summary>Ends staging: publishes the staged context (if a staple arrived) or else <paramref name="initial"/>.</summary>
    public void Activate(StapledCertificateContext initial, bool serveInitial)
    {
        lock (_gate)
        {
            _staged = false;
            _holder.Publish(_pending ?? initial, _pending is null ? serveInitial : _pendingServe);
            _pending = null;
        }
    }

    public void Retire()
    {
        lock (_gate)
        {
            _retired = true;
        }
    }
}
