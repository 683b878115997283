using System.Net;
using System.Net.Sockets;

namespace RawTls.Tests.Fleet;

/// <summary>Ports for servers that cannot bind port 0 themselves: bound by us, closed, handed over (callers retry on a clash).</summary>
internal static class LoopbackPorts
{
    public static int Free()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
