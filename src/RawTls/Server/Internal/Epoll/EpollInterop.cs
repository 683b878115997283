using System.Runtime.InteropServices;

namespace RawTls.Server.Internal.Epoll;

/// <summary>The Linux calls the readiness loop needs, from libc. Checked at startup by <see cref="EpollCheck"/>.</summary>
internal static unsafe partial class EpollInterop
{
    public const int CloseOnExec = 0x80000; // EPOLL_CLOEXEC, EFD_CLOEXEC
    public const int NonBlocking = 0x800; // EFD_NONBLOCK
    public const int Add = 1;
    public const int Modify = 3;
    public const uint In = 0x001;
    public const uint Out = 0x004;
    public const uint Error = 0x008;
    public const uint HangUp = 0x010;
    public const uint ReadHangUp = 0x2000;
    public const uint EdgeTriggered = 1u << 31;
    public const int Delete = 2;
    public const int Interrupted = 4; // EINTR

    /// <summary>
    /// <c>struct epoll_event</c> is packed on x86-64 (4-byte events, then the 8-byte data at offset 4: 12 bytes) and
    /// naturally aligned everywhere else (data at offset 8: 16 bytes).
    /// </summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int DataOffset = EventSize == 12 ? 4 : 8;

    public static uint EventsAt(byte* events, int index) => *(uint*)(events + (index * EventSize));

    public static ulong DataAt(byte* events, int index) => *(ulong*)(events + (index * EventSize) + DataOffset);

    /// <summary>epoll_ctl with one event built in place.</summary>
    public static int Control(int epfd, int op, int fd, uint events, ulong data)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + DataOffset) = data;
        return epoll_ctl(epfd, op, fd, ev);
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_wait(int epfd, byte* events, int maxevents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, void* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);
}
