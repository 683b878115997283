using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace RawTls.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/RawTls.Benchmarks -- --filter '*'</c> runs everything with BenchmarkDotNet's
/// default job. <c>--quick</c> (before or after the BenchmarkDotNet options) runs a short job instead: one launch,
/// one warm-up and three measured iterations per case, for smoke checks, not for publishing figures. Each case
/// still runs in its own process: in one process the runtime's TLS context cache would carry state from one
/// case (e.g. unstapled) into the next (stapled).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        bool publish = args.Contains("--publish");
        string[] rest = BenchSelection.Parse([.. args.Where(a => a is not ("--quick" or "--publish"))]);
        // A generous build timeout: on a shared machine the per-case project build can take minutes.
        IConfig config = DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default).WithBuildTimeout(TimeSpan.FromMinutes(10));
        if (publish)
        {
            // Enough iterations that the 99.9 % error is well under 10 % of the mean on a shared 2-core machine, and a
            // bound so that a noisy phase cannot run a case for ten minutes.
            config = config.AddJob(Job.Default
                .WithLaunchCount(1)
                .WithWarmupCount(6)
                .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(1000))
                .WithMinIterationCount(20)
                .WithMaxIterationCount(50)
                .WithMaxRelativeError(0.03)
                .WithId("Publish"));
        }
        else if (quick)
        {
            config = config.AddJob(Job.ShortRun
                .WithLaunchCount(1)
                .WithWarmupCount(1)
                .WithIterationCount(3)
                .WithId("Quick"));
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
