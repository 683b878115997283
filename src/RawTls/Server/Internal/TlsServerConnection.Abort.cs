using System.Net.Sockets;
using System.Security.Authentication;
using RawTls.Diagnostics;

namespace RawTls.Server.Internal;

/// <summary>Ending a connection early: aborts, the heartbeat's deadlines, and why a handshake failed.</summary>
#pragma warning disable CA1001 // _ssl is disposed by RunAsync's cleanup, which always runs
internal sealed partial class TlsServerConnection
#pragma warning restore CA1001
{
    /// <summary>Closes the socket now; pending reads and writes fail, which ends the handshake or the handler.</summary>
    public void Abort(HandshakeFailureReason reason)
    {
        if (Interlocked.CompareExchange(ref _abortReason, (int)reason + 1, 0) != 0)
        {
            return;
        }

        try
        {
            _socket.LingerState = new LingerOption(true, 0); // reset: no lingering on a connection we gave up on
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        _socket.Dispose();
        _stream.OnAborted();
        try
        {
            Volatile.Read(ref _closedCts)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Heartbeat: aborts the connection when its handshake/close deadline or its idle time has passed.</summary>
    public void CheckDeadline(long now, long idleTimeoutMs)
    {
        long deadline = Volatile.Read(ref _deadline);
        if (deadline != 0)
        {
            if (now > deadline)
            {
                Abort(_input is null ? HandshakeFailureReason.Timeout : HandshakeFailureReason.Other);
            }
        }
        else if (idleTimeoutMs > 0 && _input is not null && now - _stream.LastReadStarted > idleTimeoutMs)
        {
            Abort(HandshakeFailureReason.Other);
        }
    }

    private SslProtocols SafeProtocol()
    {
        try
        {
            return _ssl?.SslProtocol ?? SslProtocols.None;
        }
#pragma warning disable CA1031 // cold path: after a failed handshake the getter rethrows the handshake's own exception, whatever it was
        catch (Exception)
#pragma warning restore CA1031
        {
            return SslProtocols.None;
        }
    }

    private HandshakeFailureReason ClassifyFailure(Exception ex)
    {
        int aborted = Volatile.Read(ref _abortReason);
        if (aborted != 0)
        {
            return (HandshakeFailureReason)(aborted - 1);
        }

        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is NoCertificateException)
            {
                return HandshakeFailureReason.NoCertificate;
            }

            if (e is SocketException se)
            {
                return se.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown
                    ? HandshakeFailureReason.Reset
                    : HandshakeFailureReason.Other;
            }
        }

        return ex switch
        {
            AuthenticationException => HandshakeFailureReason.Protocol,
            IOException when ex.InnerException is null => HandshakeFailureReason.ClientClosed, // EOF before the handshake finished
            IOException => HandshakeFailureReason.Protocol,
            _ => HandshakeFailureReason.Other,
        };
    }
}
