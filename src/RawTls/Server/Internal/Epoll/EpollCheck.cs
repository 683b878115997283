using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace RawTls.Server.Internal.Epoll;

/// <summary>
/// Proves once per process, over a real loopback connection, what the epoll transport assumes: libc's epoll binds,
/// the event layout is read right (the data word comes back as registered), an edge is reported for a byte sent,
/// and a non-blocking receive returns the byte, then WouldBlock. Any doubt means "unavailable": the server then
/// uses the runtime's socket engine.
/// </summary>
internal static unsafe class EpollCheck
{
    private const ulong Probe = 0x5157_2026_0000_0007;

    private static readonly Lazy<(bool Ok, string? Problem)> s_result = new(Run);

    public static (bool Ok, string? Problem) Result => s_result.Value;

    private static (bool Ok, string? Problem) Run()
    {
        if (!OperatingSystem.IsLinux())
        {
            return (false, "epoll is Linux only");
        }

        int epfd = -1;
        try
        {
            epfd = EpollInterop.epoll_create1(EpollInterop.CloseOnExec);
            if (epfd < 0)
            {
                return (false, $"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
            }

            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(listener.LocalEndPoint!);
            using Socket server = listener.Accept();
            server.Blocking = false;
            if (EpollInterop.Control(epfd, EpollInterop.Add, (int)server.Handle, EpollInterop.In | EpollInterop.EdgeTriggered, Probe) != 0)
            {
                return (false, $"epoll_ctl failed: errno {Marshal.GetLastPInvokeError()}");
            }

            client.Send([42]);
            byte* events = stackalloc byte[4 * 16];
            int n = EpollInterop.epoll_wait(epfd, events, 4, 5_000);
            if (n != 1 || EpollInterop.DataAt(events, 0) != Probe || (EpollInterop.EventsAt(events, 0) & EpollInterop.In) == 0)
            {
                return (false, $"epoll_wait returned {n} events, not the registered one");
            }

            Span<byte> buffer = stackalloc byte[4];
            int got = server.Receive(buffer, SocketFlags.None, out SocketError first);
            server.Receive(buffer, SocketFlags.None, out SocketError second);
            return got == 1 && buffer[0] == 42 && first == SocketError.Success && second == SocketError.WouldBlock
                ? (true, null)
                : (false, $"non-blocking receive: {got} bytes ({first}), then {second}");
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or SocketException or MarshalDirectiveException)
        {
            return (false, ex.Message);
        }
        finally
        {
            if (epfd >= 0)
            {
                EpollInterop.close(epfd);
            }
        }
    }
}
