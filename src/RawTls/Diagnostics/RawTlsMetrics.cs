using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Authentication;
using RawTls.Stapling;

namespace RawTls.Diagnostics;

/// <summary>
/// The <c>RawTls</c> meter of one server. Instruments are created once; recording takes no allocation
/// (tags are cached strings in a <see cref="TagList"/>).
/// </summary>
internal sealed class RawTlsMetrics : IDisposable
{
    public const string MeterName = "RawTls";

    private static readonly string[] s_reasonTags = [.. Enum.GetNames<HandshakeFailureReason>().Select(ToSnakeCase)];

    private readonly Counter<long> _accepted;
    private readonly UpDownCounter<long> _active;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _handshakesCompleted;
    private readonly Counter<long> _handshakesFailed;
    private readonly Histogram<double> _handshakeDuration;
    private readonly Counter<long> _ocspFetches;
    private readonly Counter<long> _certificateLoads;
    private readonly Counter<long> _storeErrors;
    private readonly Counter<long> _staplingStartups;
    private readonly bool _ownsMeter;

    private long _acceptedCount;
    private long _activeCount;
    private long _rejectedCount;
    private long _completedCount;
    private long _failedCount;
    private readonly long[] _failedByReason = new long[s_reasonTags.Length];

    /// <summary>The <c>RawTls</c> meter from a host's <paramref name="factory"/> (the factory owns it), or null without one.</summary>
    public static Meter? CreateMeter(IMeterFactory? factory) =>
        factory?.Create(new MeterOptions(MeterName) { Version = typeof(RawTlsMetrics).Assembly.GetName().Version?.ToString() });

    /// <param name="meter">The meter to create instruments on (not disposed here); null: a new <c>RawTls</c> meter.</param>
    public RawTlsMetrics(Meter? meter = null)
    {
        _ownsMeter = meter is null;
        Meter = meter ?? new Meter(MeterName, typeof(RawTlsMetrics).Assembly.GetName().Version?.ToString());
        _accepted = Meter.CreateCounter<long>("rawtls.connections.accepted", "{connection}", "Connections accepted.");
        _active = Meter.CreateUpDownCounter<long>("rawtls.connections.active", "{connection}", "Connections open now (handshaking or established).");
        _rejected = Meter.CreateCounter<long>("rawtls.connections.rejected", "{connection}", "Connections closed at accept by a limit; tag reason.");
        _handshakesCompleted = Meter.CreateCounter<long>("rawtls.handshakes.completed", "{handshake}", "Handshakes completed; tag tls.version.");
        _handshakesFailed = Meter.CreateCounter<long>("rawtls.handshakes.failed", "{handshake}", "Handshakes failed; tags reason, tls.version.");
        _handshakeDuration = Meter.CreateHistogram<double>("rawtls.handshake.duration", "s", "Time from accept to handshake done.");
        _ocspFetches = Meter.CreateCounter<long>("rawtls.ocsp.fetches", "{fetch}", "OCSP fetches; tag result.");
        _certificateLoads = Meter.CreateCounter<long>("rawtls.certificate.loads", "{load}", "Certificate loads and reloads; tag result.");
        _staplingStartups = Meter.CreateCounter<long>("rawtls.ocsp.startup", "{certificate}", "How each certificate's first staple was obtained at start; tag outcome: store (valid staple in hand, no wait), fetched, failed, timeout.");
        _storeErrors = Meter.CreateCounter<long>("rawtls.ocsp.store.errors", "{error}", "Staple store calls that failed or timed out, and stored responses refused (operation invalid); tag operation.");
    }

    public Meter Meter { get; }

    /// <summary>1 when staples are bound through the runtime adapter, 0 after the startup check failed.</summary>
    public void SetAdapterAvailable(bool available) => Volatile.Write(ref _adapterAvailable, available ? 1 : 0);

    private int _adapterAvailable = 1;

    /// <summary>
    /// The <c>certificate</c> tag of every per-certificate instrument: the leaf's name and serial (<c>localhost #0A1B…</c>),
    /// so the fetch counter, the staple gauges and the expiry gauge of one certificate join in a query, and an
    /// RSA and an ECDSA certificate for the same name stay apart.
    /// </summary>
    public static string CertificateTag(System.Security.Cryptography.X509Certificates.X509Certificate2 leaf) =>
        leaf.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false) + " #" + leaf.SerialNumber;

    /// <summary>Registers the per-certificate stapling gauges, read from <paramref name="statuses"/> when collected.</summary>
    public void ObserveStapling(Func<IEnumerable<(string Certificate, StapleStatus Status)>> statuses, TimeProvider time)
    {
        Meter.CreateObservableGauge("rawtls.ocsp.adapter.available", () => Volatile.Read(ref _adapterAvailable), null, "1 when staples are bound by RawTls, 0 when it fell back to the runtime's fetching.");
        Meter.CreateObservableGauge("rawtls.ocsp.staple.age", () => Collect(statuses, s => s.Staple is null ? null : (time.GetUtcNow() - s.Staple.ThisUpdate).TotalSeconds), "s", "Age of the served staple (since thisUpdate).");
        Meter.CreateObservableGauge("rawtls.ocsp.staple.expires_in", () => Collect(statuses, s => s.Staple is null ? null : (s.Staple.NextUpdate - time.GetUtcNow()).TotalSeconds), "s", "Seconds until the served staple's nextUpdate.");
        Meter.CreateObservableGauge("rawtls.ocsp.status", () => Collect(statuses, s => s.Staple is null ? -1 : (double)(int)s.Staple.Status), null, "Served staple status: 0 good, 1 revoked, 2 unknown, -1 none.");
    }

    /// <summary>Registers <c>rawtls.certificate.expires_in</c>: seconds until each served certificate's NotAfter, tagged by certificate.</summary>
    public void ObserveCertificates(Func<IEnumerable<(string Certificate, DateTimeOffset NotAfter)>> certificates, TimeProvider time) =>
        Meter.CreateObservableGauge("rawtls.certificate.expires_in", () => CollectExpiries(certificates, time), "s", "Seconds until the served certificate's NotAfter; tag certificate (its source).");

    private static IEnumerable<Measurement<double>> CollectExpiries(Func<IEnumerable<(string Certificate, DateTimeOffset NotAfter)>> certificates, TimeProvider time)
    {
        DateTimeOffset now = time.GetUtcNow();
        foreach (var (certificate, notAfter) in certificates())
        {
            yield return new Measurement<double>((notAfter - now).TotalSeconds, new KeyValuePair<string, object?>("certificate", certificate));
        }
    }

    private static IEnumerable<Measurement<double>> Collect(Func<IEnumerable<(string Certificate, StapleStatus Status)>> statuses, Func<StapleStatus, double?> value)
    {
        foreach (var (certificate, status) in statuses())
        {
            double? v = value(status);
            if (v is not null)
            {
                yield return new Measurement<double>(v.Value, new KeyValuePair<string, object?>("certificate", certificate));
            }
        }
    }

    public long Accepted => Volatile.Read(ref _acceptedCount);

    public long Active => Volatile.Read(ref _activeCount);

    public long Rejected => Volatile.Read(ref _rejectedCount);

    public long HandshakesCompleted => Volatile.Read(ref _completedCount);

    public long HandshakesFailed => Volatile.Read(ref _failedCount);

    public long HandshakesFailedFor(HandshakeFailureReason reason) => Volatile.Read(ref _failedByReason[(int)reason]);

    public void ConnectionAccepted()
    {
        Interlocked.Increment(ref _acceptedCount);
        Interlocked.Increment(ref _activeCount);
        _accepted.Add(1);
        _active.Add(1);
    }

    public void ConnectionClosed()
    {
        Interlocked.Decrement(ref _activeCount);
        _active.Add(-1);
    }

    public void ConnectionRejected(string reason)
    {
        Interlocked.Increment(ref _rejectedCount);
        _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    public void HandshakeCompleted(SslProtocols protocol, TimeSpan duration)
    {
        Interlocked.Increment(ref _completedCount);
        var tag = new KeyValuePair<string, object?>("tls.version", VersionTag(protocol));
        _handshakesCompleted.Add(1, tag);
        if (_handshakeDuration.Enabled)
        {
            _handshakeDuration.Record(duration.TotalSeconds, tag);
        }
    }

    public void HandshakeFailed(HandshakeFailureReason reason, SslProtocols protocol, TimeSpan duration)
    {
        Interlocked.Increment(ref _failedCount);
        Interlocked.Increment(ref _failedByReason[(int)reason]);
        var tags = new TagList
        {
            { "reason", s_reasonTags[(int)reason] },
            { "tls.version", VersionTag(protocol) },
        };
        _handshakesFailed.Add(1, tags);
        if (_handshakeDuration.Enabled)
        {
            _handshakeDuration.Record(duration.TotalSeconds, tags);
        }
    }

    public void OcspFetch(string result, string certificate) =>
        _ocspFetches.Add(1, new KeyValuePair<string, object?>("result", result), new KeyValuePair<string, object?>("certificate", certificate));

    public void CertificateLoad(string result, string source) =>
        _certificateLoads.Add(1, new KeyValuePair<string, object?>("result", result), new KeyValuePair<string, object?>("source", source));

    public static string ReasonTag(HandshakeFailureReason reason) => s_reasonTags[(int)reason];

    public static string VersionTag(SslProtocols protocol) => protocol switch
    {
#pragma warning disable SYSLIB0039, CA5397 // old versions are only named here, never enabled
        SslProtocols.Tls13 => "1.3",
        SslProtocols.Tls12 => "1.2",
        SslProtocols.Tls11 => "1.1",
        SslProtocols.Tls => "1.0",
#pragma warning restore SYSLIB0039, CA5397
        _ => "unknown",
    };

    public void StaplingStartup(string outcome) => _staplingStartups.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void StoreError(string operation) => _storeErrors.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            Meter.Dispose();
        }
    }

    /// <summary>Metric tag spelling of an enum name: <c>CertIdMismatch</c> → <c>cert_id_mismatch</c>.</summary>
    internal static string ToSnakeCase(string name)
    {
        var sb = new System.Text.StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(name[i]));
        }

        return sb.ToString();
    }
}
