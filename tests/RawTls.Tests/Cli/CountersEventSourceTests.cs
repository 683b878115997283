using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Cli;

/// <summary>
/// dotnet-counters reads meters through the runtime's <c>System.Diagnostics.Metrics</c> event source.
/// With the Prometheus exporter's listener attached too (what <c>serve --metrics</c> does), that source
/// still reports the <c>RawTls</c> meter's values.
/// </summary>
[Collection(RawTls.Tests.Infrastructure.TimingSensitive.Name)]
public sealed class CountersEventSourceTests
{
    [Fact]
    public async Task Meter_reaches_the_event_source_dotnet_counters_reads_while_the_exporter_listens()
    {
        await using TestServer server = await TestServerFactory.StartAsync();
        using MeterProvider exporter = Sdk.CreateMeterProviderBuilder().AddMeter("RawTls").AddPrometheusExporter().Build();
        using var listener = new MetricsEventListener();

        await TestServerFactory.AssertEchoRoundTripAsync(server);
        await TestServerFactory.WaitUntilAsync(
            () => listener.Values.TryGetValue("rawtls.handshakes.completed", out double v) && v >= 1,
            "rawtls.handshakes.completed from the System.Diagnostics.Metrics event source");
        Assert.True(listener.Values.ContainsKey("rawtls.connections.active"), string.Join(", ", listener.Values.Keys));
    }

    /// <summary>Enables the metrics event source as dotnet-counters does (a session, the meter, a refresh interval).</summary>
    private sealed class MetricsEventListener : EventListener
    {
        public ConcurrentDictionary<string, double> Values { get; } = new();

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "System.Diagnostics.Metrics")
            {
                EnableEvents(source, EventLevel.Informational, (EventKeywords)0x3, new Dictionary<string, string?>
                {
                    ["SessionId"] = "rawtls-test",
                    ["Metrics"] = "RawTls",
                    ["RefreshInterval"] = "0.1",
                    ["MaxTimeSeries"] = "100",
                    ["MaxHistograms"] = "10",
                });
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.Payload is null || e.PayloadNames is null || e.EventName is not ("CounterRateValuePublished" or "UpDownCounterRateValuePublished" or "GaugeValuePublished"))
            {
                return;
            }

            int meter = e.PayloadNames.IndexOf("meterName"), instrument = e.PayloadNames.IndexOf("instrumentName");
            int value = e.PayloadNames.IndexOf(e.EventName == "GaugeValuePublished" ? "lastValue" : "value");
            if (meter < 0 || instrument < 0 || (string?)e.Payload[meter] != "RawTls")
            {
                return;
            }

            string name = (string)e.Payload[instrument]!;
            double v = value >= 0 && double.TryParse(e.Payload[value]?.ToString(), System.Globalization.CultureInfo.InvariantCulture, out double d) ? d : 0;
            Values.AddOrUpdate(name, v, (_, old) => Math.Max(old, v));
        }
    }
}
