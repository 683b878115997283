using System.Runtime.InteropServices;
using Microsoft.Extensions.Time.Testing;
using RawTls.Cli.Commands;

namespace RawTls.Tests.Cli;

/// <summary>
/// The serve process's native heap trim: memory freed in the middle of a glibc arena stays resident until
/// malloc_trim gives its pages back, and the trimmer is what calls it. Residency is read with mincore for the freed
/// blocks themselves, so other threads of the test process do not blur the figure.
/// </summary>
public sealed class NativeHeapTrimmerTests
{
    private const int Runs = 64;
    private const int BlocksPerRun = 16;
    private const int BlockSize = 16 * 1024; // above tcache and fastbins: freed into the arena's bins
    private const int PinSize = 20 * 1024; // after each run, so the freed runs are not the arena's top (which free() trims itself)

    [SkippableFact]
    public void A_tick_gives_the_pages_of_freed_blocks_back_to_the_system()
    {
        Skip.IfNot(NativeHeap.CanTrim, "malloc_trim exists only with glibc");
        var time = new FakeTimeProvider();
        using var trimmer = new NativeHeapTrimmer(time);
        var blocks = new IntPtr[Runs * BlocksPerRun];
        var pins = new IntPtr[Runs];
        try
        {
            for (int r = 0; r < Runs; r++)
            {
                for (int b = 0; b < BlocksPerRun; b++)
                {
                    blocks[(r * BlocksPerRun) + b] = Touch(Marshal.AllocHGlobal(BlockSize), BlockSize);
                }

                pins[r] = Touch(Marshal.AllocHGlobal(PinSize), PinSize);
            }

            foreach (IntPtr block in blocks)
            {
                Marshal.FreeHGlobal(block);
            }

            time.Advance(NativeHeapTrimmer.Period - TimeSpan.FromMilliseconds(1));
            Assert.Equal(0, trimmer.Trims);
            double before = ResidentShare(blocks);
            Assert.True(before > 0.8, $"freed blocks should still be resident before a trim: {before:P0}");

            time.Advance(TimeSpan.FromMilliseconds(1));
            double after = ResidentShare(blocks);
            Assert.Equal(1, trimmer.Trims);
            Assert.True(after < 0.2, $"freed blocks should be released by the trim: {after:P0} still resident (before: {before:P0})");
        }
        finally
        {
            foreach (IntPtr pin in pins)
            {
                Marshal.FreeHGlobal(pin);
            }
        }
    }

    private static IntPtr Touch(IntPtr p, int size)
    {
        for (int i = 0; i < size; i += 512)
        {
            Marshal.WriteByte(p, i, 0xA5);
        }

        return p;
    }

    /// <summary>Share of the whole pages inside the blocks (headers excluded) that are resident now.</summary>
    private static double ResidentShare(IntPtr[] blocks)
    {
        nint page = Environment.SystemPageSize;
        var vec = new byte[BlockSize / page];
        long resident = 0, total = 0;
        foreach (IntPtr block in blocks)
        {
            nint start = (block + 64 + page - 1) & ~(page - 1);
            nint end = (block + BlockSize) & ~(page - 1);
            if (end <= start)
            {
                continue;
            }

            Assert.Equal(0, MinCore(start, (nuint)(end - start), vec));
            int pages = (int)((end - start) / page);
            for (int i = 0; i < pages; i++)
            {
                resident += vec[i] & 1;
            }

            total += pages;
        }

        return (double)resident / total;
    }

    [DllImport("libc", EntryPoint = "mincore", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MinCore(IntPtr address, nuint length, [Out] byte[] vector);
}
