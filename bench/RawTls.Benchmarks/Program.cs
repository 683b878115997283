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
        string[] rest = [.. args.Where(a => a != "--quick")];
        IConfig config = DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default);
        if (quick)
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
