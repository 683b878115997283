using System.Runtime.InteropServices;

namespace RawTls.Cli.Commands;

/// <summary>
/// glibc malloc policy for the serve process: a cap on the arenas, and the call that gives free arena pages back.
/// Both are no-ops off glibc (musl has neither mallopt nor malloc_trim).
/// </summary>
internal static class NativeHeap
{
    private const int ArenaMaxParameter = -8; // M_ARENA_MAX in glibc's malloc.h

    private static bool s_trimMissing;

    /// <summary>
    /// Limits the arenas made from now on to <paramref name="arenas"/>. OpenSSL allocates on whichever thread runs a
    /// handshake, and glibc gives threads their own arenas (up to eight per core) whose freed memory no other arena
    /// reuses, so RSS climbs with thread-pool churn under handshake load. The runtime's own startup threads have made
    /// several already, which stay. MALLOC_ARENA_MAX in the environment still wins.
    /// </summary>
    public static void CapArenas(int arenas)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null)
        {
            return;
        }

        try
        {
            _ = MallOpt(ArenaMaxParameter, arenas);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            // not glibc: nothing to cap
        }
    }

    /// <summary>False where there is no malloc_trim (not Linux, not glibc).</summary>
    public static bool CanTrim => OperatingSystem.IsLinux() && !Volatile.Read(ref s_trimMissing);

    /// <summary>
    /// malloc_trim(0): every arena hands the whole pages inside its free chunks back to the system (madvise), not only
    /// the free memory at its top as free() does. Returns false when nothing was released or there is no glibc.
    /// </summary>
    public static bool Trim()
    {
        if (!CanTrim)
        {
            return false;
        }

        try
        {
            return MallocTrim(0) != 0;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            Volatile.Write(ref s_trimMissing, true);
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MallOpt(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MallocTrim(nuint pad);
}
