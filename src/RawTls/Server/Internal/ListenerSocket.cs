using System.Net.Sockets;

namespace RawTls.Server.Internal;

/// <summary>Platform quirks of binding a listener.</summary>
internal static class ListenerSocket
{
    private const int SolSocket = 1; // Linux SOL_SOCKET
    private const int SoReuseAddr = 2; // Linux SO_REUSEADDR

    /// <summary>
    /// Lets a restarted server bind while connections of the old one sit in TIME_WAIT, without letting two live
    /// servers share the port. <see cref="SocketOptionName.ReuseAddress"/> cannot do that on Linux: the runtime maps
    /// it to SO_REUSEPORT as well, and a second server then binds the same port and silently takes half the traffic.
    /// So on Linux SO_REUSEADDR alone is set; macOS and BSD keep their default (they allow the rebind by themselves
    /// only when nothing listens), and Windows' ReuseAddress would allow port hijacking, so it is never set.
    /// </summary>
    public static void AllowRebindAfterRestart(Socket listener)
    {
        if (OperatingSystem.IsLinux())
        {
            listener.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        }
    }
}
