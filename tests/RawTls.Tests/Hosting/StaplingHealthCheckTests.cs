using RawTls.Ocsp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RawTls.DevPki;
using RawTls.Hosting;

namespace RawTls.Tests.Hosting;

public class StaplingHealthCheckTests
{
    [Fact]
    public async Task A_fresh_good_staple_is_healthy_and_degraded_once_it_drops_within_the_margin()
    {
        await using var f = HostingFixture.Create();
        var (files, _) = f.WriteCertificate("site", "localhost");
        f.WriteSettings(HostingFixture.Section(f.PemEntry(files)));
        f.Build(configureHost: h => h.Services.AddHealthChecks()
            .AddRawTlsStapling("default-margin")
            .AddRawTlsStapling("two-hour-margin", margin: TimeSpan.FromHours(2))); // responses are valid for 1 h
        await f.Host.StartAsync();

        HealthReport report = await f.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Healthy, report.Entries["default-margin"].Status);
        Assert.Contains("GOOD staple served until", Assert.Single(report.Entries["default-margin"].Data.Values) as string, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Degraded, report.Entries["two-hour-margin"].Status);
        Assert.Contains("stops being served in", report.Entries["two-hour-margin"].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_certificate_is_unhealthy()
    {
        await using var f = HostingFixture.Create();
        var (files, leaf) = f.WriteCertificate("site", "localhost");
        f.WriteSettings(HostingFixture.Section(f.PemEntry(files)));
        f.Build(configureHost: h => h.Services.AddHealthChecks().AddRawTlsStapling());
        await f.Host.StartAsync();
        var health = f.Host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);

        f.Ca.Revoke(leaf.SerialNumber, OcspRevocationReason.KeyCompromise);
        await f.Server.Certificates[0].RefreshStapleAsync();

        HealthReport report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains("revoked", report.Entries["rawtls-stapling"].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Require_without_a_staple_is_unhealthy_and_says_why()
    {
        await using var f = HostingFixture.Create();
        f.Responder.FaultHook = _ => OcspFault.Status(503);
        var (files, _) = f.WriteCertificate("site", "localhost");
        var section = HostingFixture.Section(f.PemEntry(files, stapling: "Require"));
        section["Stapling"] = new Dictionary<string, object?> { ["FetchTimeout"] = "00:00:02", ["StartupWait"] = "00:00:02", ["Jitter"] = 0 };
        f.WriteSettings(section);
        f.Build(configureHost: h => h.Services.AddHealthChecks().AddRawTlsStapling());
        await f.Host.StartAsync();

        HealthReport report = await f.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        string description = report.Entries["rawtls-stapling"].Description!;
        Assert.Contains("not served: stapling is Require", description, StringComparison.Ordinal);
        Assert.Contains("http_error", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auto_without_a_staple_is_degraded()
    {
        await using var f = HostingFixture.Create();
        f.Responder.FaultHook = _ => OcspFault.Status(503);
        var (files, _) = f.WriteCertificate("site", "localhost");
        f.WriteSettings(HostingFixture.Section(f.PemEntry(files)));
        f.Build(configureHost: h => h.Services.AddHealthChecks().AddRawTlsStapling());
        await f.Host.StartAsync();

        HealthReport report = await f.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Contains("served without a staple", report.Entries["rawtls-stapling"].Description, StringComparison.Ordinal);
    }
}
