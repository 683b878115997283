using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using RawTls.Certificates;
using RawTls.DevPki;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Reload;

/// <summary>Operators learn about a certificate nearing its end: a gauge of the seconds left and warnings at load and daily.</summary>
public class CertificateExpiryTests
{
    [Fact]
    public async Task Expires_in_gauge_per_certificate_and_a_warning_at_load_and_daily()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var f = ReloadFixture.Create(time);
        var (files, _) = f.AddCertificate("long", "localhost");
        string soonDir = Directory.CreateDirectory(Path.Combine(f.Root, "soon")).FullName;
        using (var leaf = f.Ca.IssueLeaf(new DevLeafOptions { Names = ["soon.test"], NotBefore = time.GetUtcNow().AddDays(-80), NotAfter = time.GetUtcNow().AddDays(10) }))
        {
            new LeafFiles(soonDir).Write(leaf, f.Ca.Intermediate);
        }

        await f.StartAsync(configure: o => o.Certificates.Add(ServerCertificateOptions.FromPemFiles(Path.Combine(soonDir, "leaf.pem"), Path.Combine(soonDir, "leaf.key"), Path.Combine(soonDir, "chain.pem"))));

        var gauge = new Dictionary<string, double>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (i, l) =>
            {
                if (ReferenceEquals(i.Meter, f.Server.Meter) && i.Name == "rawtls.certificate.expires_in")
                {
                    l.EnableMeasurementEvents(i);
                }
            };
            listener.SetMeasurementEventCallback<double>((_, value, tags, _) => gauge[(string)tags[0].Value!] = value);
            listener.Start();
            listener.RecordObservableInstruments();
        }

        // Tagged like every per-certificate instrument: name and serial.
        Assert.Equal(2, gauge.Count);
        Assert.InRange(Assert.Single(gauge, g => g.Key.StartsWith("soon.test #", StringComparison.Ordinal)).Value, TimeSpan.FromDays(10).TotalSeconds - 5, TimeSpan.FromDays(10).TotalSeconds + 5);
        Assert.True(Assert.Single(gauge, g => g.Key.StartsWith("localhost #", StringComparison.Ordinal)).Value > TimeSpan.FromDays(80).TotalSeconds);

        string Warnings() => string.Join("\n", f.Logs.At(LogLevel.Warning).Where(m => m.Contains("renew it", StringComparison.Ordinal)));
        Assert.Single(f.Logs.At(LogLevel.Warning), m => m.Contains("soon", StringComparison.Ordinal) && m.Contains("renew it", StringComparison.Ordinal));

        time.Advance(TimeSpan.FromDays(1));
        await TestServerFactory.WaitUntilAsync(() => f.Logs.At(LogLevel.Warning).Count(m => m.Contains("renew it", StringComparison.Ordinal)) == 2, "the daily expiry warning: " + Warnings());
        Assert.Contains("in 9.0 days", Warnings(), StringComparison.Ordinal);
    }
}
