using System.Diagnostics;
using System.Globalization;
using CsCheck;

namespace RawTls.Tests.Fuzz;

/// <summary>
/// Runs one fuzz target: first the committed regression inputs (Fuzz/Regressions/&lt;target&gt;/*), then inputs drawn
/// from a CsCheck generator with a PCG stream, for a time budget. CI mode (the default) uses a fixed seed and a few
/// seconds; bench/fuzz sets RAWTLS_FUZZ_SECONDS and RAWTLS_FUZZ_SEED=random for the long mode.
/// Every input runs on a watchdog: one that throws, uses more CPU than <see cref="FuzzLimits.SlowInput"/> (the
/// thread's own CPU time, fastest of three runs, so a machine shared with other work does not fail it) or runs past
/// <see cref="FuzzLimits.Hang"/> of wall time fails the target
/// and is written to RAWTLS_FUZZ_CRASH_DIR (default: a temp folder) to be committed as a regression input.
/// </summary>
internal static class FuzzHarness
{
    private static readonly object s_reportLock = new();

    public static int Seconds => int.TryParse(Environment.GetEnvironmentVariable("RAWTLS_FUZZ_SECONDS"), CultureInfo.InvariantCulture, out int s) && s > 0 ? s : 2;

    /// <summary>True in the long mode (RAWTLS_FUZZ_SECONDS set): only the time budget bounds a target, not <see cref="FuzzLimits.MaxInputs"/>.</summary>
    public static bool LongMode => Environment.GetEnvironmentVariable("RAWTLS_FUZZ_SECONDS") is { Length: > 0 };

    /// <summary>Runs <paramref name="check"/> over regression inputs and generated ones; returns the number of inputs run.</summary>
    public static long Run(string target, Gen<byte[]> gen, Action<byte[]> check, FuzzLimits? limits = null)
    {
        limits ??= FuzzLimits.Default;
        ulong seed = ChooseSeed(target);
        var state = new LoopState();
        Exception? loopFailure = null;
        var budget = Stopwatch.StartNew();

        // The loop runs on its own thread so that a hanging input is caught here and reported, not waited for.
        var worker = new Thread(() =>
        {
            try
            {
                foreach (byte[] input in RegressionInputs(target))
                {
                    RunOne(state, input, check, limits);
                    state.Regressions++;
                }

                var pcg = new PCG(StableHash(target), seed);
                long maxInputs = limits.MaxInputs > 0 && !LongMode ? limits.MaxInputs : long.MaxValue;
                while (budget.Elapsed < TimeSpan.FromSeconds(Seconds) && state.Count - state.Regressions < maxInputs)
                {
                    RunOne(state, gen.Generate(pcg, null, out _), check, limits);
                }
            }
#pragma warning disable CA1031 // every escape is reported as a failure of the target
            catch (Exception ex)
#pragma warning restore CA1031
            {
                loopFailure = ex;
            }
        }, 16 * 1024 * 1024) { IsBackground = true, Name = "fuzz " + target };
        worker.Start();
        while (!worker.Join(100))
        {
            long started = Volatile.Read(ref state.StartedAt);
            if (started != 0 && Stopwatch.GetElapsedTime(started) > limits.Hang)
            {
                throw Failure(target, seed, state.Current!, new TimeoutException($"input did not finish within {limits.Hang.TotalSeconds} s (hang)"));
            }
        }

        if (loopFailure is not null)
        {
            throw Failure(target, seed, state.Current!, loopFailure);
        }

        Report(target, seed, state.Count, state.Regressions, budget.Elapsed, state.Slowest);
        return state.Count;
    }

    private static void RunOne(LoopState state, byte[] input, Action<byte[]> check, FuzzLimits limits)
    {
        state.Current = input;
        TimeSpan elapsed = Timed(state, input, check);
        if (elapsed > limits.SlowInput)
        {
            // Re-measure: a one-off stall of a shared machine is not the input's fault.
            elapsed = TimeSpan.MaxValue;
            for (int i = 0; i < 2; i++)
            {
                TimeSpan again = Timed(state, input, check);
                elapsed = again < elapsed ? again : elapsed;
            }

            if (elapsed > limits.SlowInput)
            {
                throw new TimeoutException($"input took {elapsed.TotalMilliseconds:F1} ms (limit {limits.SlowInput.TotalMilliseconds} ms)");
            }
        }

        state.Count++;
        if (elapsed > state.Slowest)
        {
            state.Slowest = elapsed;
        }
    }

    /// <summary>Runs the check once; returns the CPU time this thread spent on it (wall time where that is unavailable).</summary>
    private static TimeSpan Timed(LoopState state, byte[] input, Action<byte[]> check)
    {
        long start = Stopwatch.GetTimestamp();
        TimeSpan cpuStart = ThreadCpuTime.Now();
        Volatile.Write(ref state.StartedAt, start);
        check(input);
        Volatile.Write(ref state.StartedAt, 0);
        TimeSpan cpu = ThreadCpuTime.Now() - cpuStart;
        return ThreadCpuTime.Available ? cpu : Stopwatch.GetElapsedTime(start);
    }

    private static FuzzFailureException Failure(string target, ulong seed, byte[] input, Exception failure)
    {
        string saved = Save(target, input);
        return new FuzzFailureException($"fuzz target '{target}' (seed {seed}) failed on a {input.Length}-byte input saved as {saved}: {failure.GetType().Name}: {failure.Message}\ninput (hex, first 512 bytes): {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 512)))}", failure);
    }

    private sealed class LoopState
    {
        public long StartedAt;
        public long Count;
        public int Regressions;
        public byte[]? Current;
        public TimeSpan Slowest;
    }

    private static ulong ChooseSeed(string target)
    {
        string? text = Environment.GetEnvironmentVariable("RAWTLS_FUZZ_SEED");
        if (string.Equals(text, "random", StringComparison.OrdinalIgnoreCase))
        {
            return (ulong)Random.Shared.NextInt64();
        }

        return ulong.TryParse(text, CultureInfo.InvariantCulture, out ulong seed) ? seed : StableHash(target) * 2654435761UL;
    }

    private static uint StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char c in s)
        {
            h = (h ^ c) * 16777619;
        }

        return h;
    }

    private static IEnumerable<byte[]> RegressionInputs(string target)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "Fuzz", "Regressions", target);
        if (!Directory.Exists(dir))
        {
            yield break;
        }

        foreach (string file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
        {
            if (!file.EndsWith(".md", StringComparison.Ordinal))
            {
                yield return File.ReadAllBytes(file);
            }
        }
    }

    private static string Save(string target, byte[] input)
    {
        string dir = Path.Combine(Environment.GetEnvironmentVariable("RAWTLS_FUZZ_CRASH_DIR") ?? Path.Combine(Path.GetTempPath(), "rawtls-fuzz-crashes"), target);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(input))[..16].ToLowerInvariant() + ".bin");
        File.WriteAllBytes(path, input);
        return path;
    }

    private static void Report(string target, ulong seed, long count, int regressions, TimeSpan elapsed, TimeSpan slowest)
    {
        string? path = Environment.GetEnvironmentVariable("RAWTLS_FUZZ_REPORT");
        if (path is null)
        {
            return;
        }

        lock (s_reportLock)
        {
            File.AppendAllText(path, string.Create(CultureInfo.InvariantCulture,
                $"{target}\t{seed}\t{count}\t{regressions}\t{elapsed.TotalSeconds:F1}\t{slowest.TotalMilliseconds:F1}\n"));
        }
    }
}

/// <summary>Bounds of one fuzz target.</summary>
internal sealed record FuzzLimits
{
    public static readonly FuzzLimits Default = new();

    /// <summary>An input using more CPU than this (fastest of three runs) is a failure: parsers here must stay linear.</summary>
    public TimeSpan SlowInput { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>An input still running after this is a hang.</summary>
    public TimeSpan Hang { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>At most this many generated inputs in CI mode (0: only the time budget bounds the run); the long mode runs for its time.</summary>
    public long MaxInputs { get; init; }
}

/// <summary>A fuzz input broke an invariant; the message names the saved input.</summary>
internal sealed class FuzzFailureException(string message, Exception inner) : Exception(message, inner);
