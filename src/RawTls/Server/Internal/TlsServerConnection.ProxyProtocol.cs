using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using RawTls.Diagnostics;

namespace RawTls.Server.Internal;

/// <summary>
/// The pre-handshake step of an endpoint behind a balancer: the PROXY header is read straight from the socket before
/// <c>SslStream</c> sees a byte. Each read peeks, then consumes exactly the bytes that belong to the header, so the
/// TLS bytes behind it stay in the socket for the handshake and nothing under <c>SslStream</c> changes.
/// </summary>
internal sealed partial class TlsServerConnection
{
    private ProxyProtocolSettings? _proxySettings;
    private ProxyProtocolInfo? _proxyInfo;
    private IPEndPoint? _clientEndPoint;
    private EndPoint? _proxyEndPoint;

    /// <summary>Set at accept for endpoints that expect a PROXY header; null otherwise.</summary>
    public ProxyProtocolSettings? ProxySettings
    {
        get => _proxySettings;
        set
        {
            _proxySettings = value;
            if (value is not null)
            {
                // A balancer sends its header at once: the header's own (shorter) deadline applies from accept on.
                long deadline = Environment.TickCount64 + value.TimeoutMilliseconds;
                if (_deadline == 0 || deadline < _deadline)
                {
                    _deadline = deadline;
                }
            }
        }
    }

    public override EndPoint? ProxyEndPoint => _proxyEndPoint;

    public override ProxyProtocolInfo? ProxyProtocol => _proxyInfo;

    /// <summary>True to go on with the handshake; false when the connection must close (already counted and reported).</summary>
    private ValueTask<bool> AcceptProxyHeaderAsync() =>
        _proxySettings is null ? new ValueTask<bool>(true) : ReadProxyHeaderAsync(_proxySettings);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadProxyHeaderAsync(ProxyProtocolSettings settings)
    {
        EndPoint? peer = SafePeer();
        if (peer is not IPEndPoint ip || !settings.IsTrusted(ip.Address))
        {
            return RejectProxy(settings, ProxyRejectReason.Untrusted, peer);
        }

        Volatile.Write(ref _deadline, Environment.TickCount64 + settings.TimeoutMilliseconds);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(settings.MaxBytes);
        ProxyRejectReason reason;
        try
        {
            int have = 0;
            while (true)
            {
                int peeked = await _stream.ReceiveAsync(buffer.AsMemory(have, settings.MaxBytes - have), SocketFlags.Peek).ConfigureAwait(false);
                if (peeked == 0)
                {
                    reason = ProxyRejectReason.Truncated;
                    break;
                }

                ProxyParseStatus status = ProxyHeaderParser.TryParse(buffer.AsSpan(0, have + peeked), settings.Mode, settings.MaxBytes, out ProxyHeader header, out int consumed);
                if (status == ProxyParseStatus.Complete)
                {
                    await ConsumeAsync(buffer, have, consumed - have).ConfigureAwait(false);
                    OnProxyHeader(in header, buffer.AsSpan(0, consumed), ip, settings);
                    Volatile.Write(ref _deadline, _server.HandshakeDeadline()); // the handshake gets its own full time
                    return true;
                }

                if (status != ProxyParseStatus.NeedMoreData)
                {
                    reason = status switch
                    {
                        ProxyParseStatus.NotProxyProtocol => ProxyRejectReason.NoHeader,
                        ProxyParseStatus.VersionNotAllowed => ProxyRejectReason.Version,
                        ProxyParseStatus.TooLarge => ProxyRejectReason.TooLarge,
                        _ => ProxyRejectReason.Malformed,
                    };
                    break;
                }

                // All of it is header: take it out of the socket, so the next peek waits for new bytes.
                await ConsumeAsync(buffer, have, peeked).ConfigureAwait(false);
                have += peeked;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            reason = Volatile.Read(ref _abortReason) == (int)HandshakeFailureReason.Timeout + 1 ? ProxyRejectReason.Timeout : ProxyRejectReason.Truncated;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return RejectProxy(settings, reason, peer);
    }

    /// <summary>Receives exactly <paramref name="count"/> bytes already seen by a peek (they are in the socket's buffer).</summary>
    private async ValueTask ConsumeAsync(byte[] buffer, int offset, int count)
    {
        while (count > 0)
        {
            int n = await _stream.ReceiveAsync(buffer.AsMemory(offset, count), SocketFlags.None).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("The connection closed inside the PROXY header.");
            }

            offset += n;
            count -= n;
        }
    }

    private void OnProxyHeader(in ProxyHeader header, ReadOnlySpan<byte> bytes, IPEndPoint peer, ProxyProtocolSettings settings)
    {
        _proxyInfo = header.ToInfo(bytes);
        _proxyEndPoint = peer;
        _clientEndPoint = _proxyInfo.SourceEndPoint; // null for LOCAL/UNKNOWN: the socket's address stays the answer
        settings.Reporter.OnAccepted(header.Version);
    }

    private bool RejectProxy(ProxyProtocolSettings settings, ProxyRejectReason reason, EndPoint? peer)
    {
        settings.Reporter.OnRejected(reason, peer);
        _server.HandshakeFinished(); // the handshake slot taken at accept is given back here, not by the handshake
        return false;
    }

    private EndPoint? SafePeer()
    {
        try
        {
            return _socket.RemoteEndPoint;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }
}
