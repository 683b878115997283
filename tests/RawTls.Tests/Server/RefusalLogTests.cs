using Microsoft.Extensions.Logging;
using RawTls.Server.Internal;
using RawTls.Tests.Reload;

namespace RawTls.Tests.Server;

public class RefusalLogTests
{
    [Fact]
    public void Refusals_are_reported_at_most_once_per_interval_with_their_count()
    {
        var logs = new LogCollector();
        ILogger logger = logs.CreateLogger("test");
        var log = new RefusalLog(startedAt: 0);

        Assert.False(log.Flush(logger, now: 100, intervalMs: 10_000)); // nothing to report
        for (int i = 0; i < 700; i++)
        {
            log.Record(handshakeLimit: i % 7 == 0);
        }

        Assert.True(log.Flush(logger, now: 1_000, intervalMs: 10_000)); // the first report is not held back
        log.Record(handshakeLimit: false);
        Assert.False(log.Flush(logger, now: 5_000, intervalMs: 10_000)); // within the interval: held
        log.Record(handshakeLimit: true);
        Assert.True(log.Flush(logger, now: 11_000, intervalMs: 10_000));
        Assert.False(log.Flush(logger, now: 30_000, intervalMs: 10_000)); // nothing new

        var warnings = logs.At(LogLevel.Warning).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("Refused 700 connections", warnings[0]);
        Assert.Contains("100 over the handshake limit, 600 over the connection limit", warnings[0]);
        Assert.Contains("Refused 2 connections", warnings[1]);
        Assert.Contains("1 over the handshake limit, 1 over the connection limit", warnings[1]);
        Assert.Contains("in the last 10 s", warnings[1]);
    }
}
