namespace RawTls.Tests.Infrastructure;

/// <summary>
/// Tests that assert wall-clock figures (swap latency, load without failures) run alone, after the
/// parallel ones, so two cores shared with the rest of the suite do not distort what they measure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitive
{
    public const string Name = "Timing-sensitive";
}
