using System.Runtime.InteropServices;

namespace RawTls.Cli.Commands;

/// <summary>
/// Caps glibc's malloc arenas for the serve process. OpenSSL allocates on whichever thread runs a handshake, and glibc
/// gives threads their own arenas (up to eight per core) whose freed memory no other arena reuses, so RSS climbs with
/// thread-pool churn under handshake load. MALLOC_ARENA_MAX in the environment still wins.
/// </summary>
internal static class NativeHeap
{
    private const int ArenaMaxParameter = -8; // M_ARENA_MAX in glibc's malloc.h

    /// <summary>Limits the arenas made from now on to <paramref name="arenas"/>; a no-op off glibc.</summary>
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
            // not glibc (musl has no mallopt): nothing to cap
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MallOpt(int parameter, int value);
}
