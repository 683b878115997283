using System.Diagnostics.Metrics;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Stapling;

/// <summary>A meter factory that records the server's meter from its creation, so counts made during start are seen.</summary>
internal sealed class RecordingMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];
    private MetricsRecorder? _recorder;

    public MetricsRecorder Recorded => _recorder ?? throw new InvalidOperationException("no meter was created");

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        _meters.Add(meter);
        _recorder ??= new MetricsRecorder(meter);
        return meter;
    }

    public void Dispose()
    {
        _recorder?.Dispose();
        foreach (Meter meter in _meters)
        {
            meter.Dispose();
        }
    }
}
