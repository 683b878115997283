using System.Net.Sockets;

namespace RawTls.Server.Internal.Epoll;

/// <summary>
/// A listener on a loop: registered level-triggered, so the loop thread accepts each pending connection itself; no
/// accept thread, no hand-off. One accept per wake-up: the level trigger reports the listener again while more are
/// queued.
/// </summary>
internal sealed class EpollAcceptor
{
    private readonly Socket _listener;
    private readonly TlsServer _server;
    private readonly ProxyProtocolSettings? _proxy;

    public EpollAcceptor(Socket listener, TlsServer server, ProxyProtocolSettings? proxy)
    {
        _listener = listener;
        _server = server;
        _proxy = proxy;
        listener.Blocking = false;
    }

    public Socket Listener => _listener;

    /// <summary>From a loop: a connection may be waiting. False when accepting failed and the listener must pause.</summary>
    public bool OnReadable()
    {
        Socket socket;
        try
        {
            socket = _listener.Accept();
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.Interrupted or SocketError.ConnectionAborted)
        {
            return true; // taken by another loop, or gone before we got to it
        }
        catch (ObjectDisposedException)
        {
            return true; // the server is stopping
        }
        catch (SocketException ex)
        {
            // e.g. EMFILE: the level trigger would report the same pending connection at once, spinning a core.
            _server.OnAcceptFailed(_listener, ex);
            return false;
        }

        _server.AcceptFromLoop(socket, _proxy);
        return true;
    }
}
