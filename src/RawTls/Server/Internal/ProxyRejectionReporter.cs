using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;
using RawTls.Diagnostics;

namespace RawTls.Server.Internal;

/// <summary>
/// Counts PROXY header outcomes (metric <c>rawtls.proxy_protocol.rejected</c>, tag reason, and
/// <c>rawtls.proxy_protocol.accepted</c>, tag version) and logs rejections at most once per interval with the count
/// since the last report, so a scan or a misconfigured balancer cannot flood the log.
/// </summary>
internal sealed partial class ProxyRejectionReporter
{
    /// <summary>The shortest time between two rejection log lines.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private static readonly string[] s_reasonTags = [.. Enum.GetNames<ProxyRejectReason>().Select(RawTlsMetrics.ToSnakeCase)];

    private readonly Counter<long> _rejected;
    private readonly Counter<long> _accepted;
    private readonly long[] _counts = new long[s_reasonTags.Length];
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly long _intervalTicks;
    private long _acceptedCount;
    private long _pending;
    private long _nextLogAt = long.MinValue;

    public ProxyRejectionReporter(Meter meter, ILogger logger, TimeProvider time)
    {
        _rejected = meter.CreateCounter<long>("rawtls.proxy_protocol.rejected", "{connection}", "Connections closed before their PROXY header was accepted; tag reason.");
        _accepted = meter.CreateCounter<long>("rawtls.proxy_protocol.accepted", "{connection}", "PROXY headers accepted; tag version.");
        _logger = logger;
        _time = time;
        _intervalTicks = (long)(LogInterval.TotalSeconds * time.TimestampFrequency);
    }

    public long Accepted => Interlocked.Read(ref _acceptedCount);

    public long Rejected(ProxyRejectReason reason) => Interlocked.Read(ref _counts[(int)reason]);

    public long RejectedTotal
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _counts.Length; i++)
            {
                sum += Interlocked.Read(ref _counts[i]);
            }

            return sum;
        }
    }

    public void OnAccepted(int version)
    {
        Interlocked.Increment(ref _acceptedCount);
        _accepted.Add(1, new KeyValuePair<string, object?>("version", version == 1 ? "1" : "2"));
    }

    public void OnRejected(ProxyRejectReason reason, EndPoint? from)
    {
        Interlocked.Increment(ref _counts[(int)reason]);
        string tag = s_reasonTags[(int)reason];
        _rejected.Add(1, new KeyValuePair<string, object?>("reason", tag));
        Interlocked.Increment(ref _pending);
        long now = _time.GetTimestamp();
        long next = Volatile.Read(ref _nextLogAt);
        if (now >= next && Interlocked.CompareExchange(ref _nextLogAt, now + _intervalTicks, next) == next)
        {
            LogRejected(_logger, Interlocked.Exchange(ref _pending, 0), LogInterval, tag, from);
        }
    }

    [LoggerMessage(40, LogLevel.Warning, "PROXY protocol: closed {Count} connection(s) since the last report (one report per {Interval} at most); latest: {Reason} from {RemoteEndPoint}")]
    private static partial void LogRejected(ILogger logger, long count, TimeSpan interval, string reason, EndPoint? remoteEndPoint);
}
