using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RawTls.Certificates;
using RawTls.Hosting;
using RawTls.DevPki;
using RawTls.Ocsp;

namespace RawTls.Tests.Kestrel;

public class KestrelStaplingTests
{
    [Fact]
    public async Task Openssl_sees_a_valid_good_staple_on_the_first_handshake()
    {
        await using var f = KestrelFixture.Create();
        var (_, leaf) = f.WriteCertificate("site", "localhost");
        f.WriteSettings();
        await f.StartAsync();
        Assert.Equal(1, f.Responder.RequestCount); // fetched while starting, before Kestrel accepted anything

        string output = await f.OpenSslStatusAsync();

        Assert.Contains("OCSP Response Status: successful", output, StringComparison.Ordinal);
        Assert.Contains("Cert Status: good", output, StringComparison.Ordinal);
        Assert.Contains("Verify return code: 0 (ok)", output, StringComparison.Ordinal);
        StapleProbeResult probe = await f.ProbeAsync();
        Assert.Equal(leaf.RawData, probe.ServerCertificateChain[0]);
        Assert.Equal(OcspVerdict.Good, new OcspResponseValidator(leaf, f.Ca.Intermediate, TimeProvider.System).Validate(probe.OcspResponse!).Verdict);
        using HttpClient client = f.CreateClient(newConnectionPerRequest: false);
        using var response = await client.GetAsync("/");
        Assert.Equal("hello from kestrel", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, f.Responder.RequestCount); // handshakes never trigger fetches
    }

    [Fact]
    public async Task A_revocation_at_the_responder_becomes_a_revoked_staple()
    {
        await using var f = KestrelFixture.Create();
        var (_, leaf) = f.WriteCertificate("site", "localhost");
        f.WriteSettings();
        await f.StartAsync(b => b.Services.AddHealthChecks().AddRawTlsStapling());
        var health = f.App.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);

        f.Ca.Revoke(leaf.SerialNumber, OcspRevocationReason.KeyCompromise);
        await f.Stapling.Certificates[0].RefreshStapleAsync();

        string output = await f.OpenSslStatusAsync();
        Assert.Contains("Cert Status: revoked", output, StringComparison.Ordinal);
        HealthReport report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains("revoked (the REVOKED response is stapled)", report.Entries["rawtls-stapling"].Description, StringComparison.Ordinal);
        StapleProbeResult probe = await f.ProbeAsync();
        Assert.Equal(OcspVerdict.Revoked, new OcspResponseValidator(leaf, f.Ca.Intermediate, TimeProvider.System).Validate(probe.OcspResponse!).Verdict);
    }

    [Fact]
    public async Task Under_StopServing_a_revoked_certificate_is_no_longer_served()
    {
        await using var f = KestrelFixture.Create();
        var (_, leaf) = f.WriteCertificate("site", "localhost");
        f.WriteSettings(revokedPolicy: "StopServing");
        await f.StartAsync();
        Assert.Contains("Cert Status: good", await f.OpenSslStatusAsync(), StringComparison.Ordinal);

        f.Ca.Revoke(leaf.SerialNumber, OcspRevocationReason.KeyCompromise);
        await f.Stapling.Certificates[0].RefreshStapleAsync();

        string output = await f.OpenSslStatusAsync();
        Assert.DoesNotContain("Cert Status", output, StringComparison.Ordinal);
        Assert.False(f.Stapling.Certificates[0].IsServing);
    }

    [Fact]
    public async Task Sni_selects_each_certificate_and_a_reloaded_leaf_is_served_stapled()
    {
        await using var f = KestrelFixture.Create();
        var (_, aLeaf) = f.WriteCertificate("a", "a.test");
        var (bFiles, bLeaf) = f.WriteCertificate("b", "b.test");
        f.WriteSettings();
        await f.StartAsync();
        Assert.Equal(aLeaf.RawData, (await f.ProbeAsync("a.test")).ServerCertificateChain[0]);
        Assert.Equal(bLeaf.RawData, (await f.ProbeAsync("b.test")).ServerCertificateChain[0]);

        X509Certificate2 renewed = f.Ca.IssueLeaf(["b.test"]);
        bFiles.Write(renewed, f.Ca.Intermediate);
        IReadOnlyList<CertificateReloadStatus> results = await f.Stapling.ReloadCertificatesAsync();

        Assert.Equal([CertificateReloadResult.Unchanged, CertificateReloadResult.Reloaded], results.Select(r => r.Result));
        StapleProbeResult probe = await f.ProbeAsync("b.test");
        Assert.Equal(renewed.RawData, probe.ServerCertificateChain[0]);
        Assert.Equal(OcspVerdict.Good, new OcspResponseValidator(renewed, f.Ca.Intermediate, TimeProvider.System).Validate(probe.OcspResponse!).Verdict);
        Assert.Contains("Cert Status: good", await f.OpenSslStatusAsync("b.test"), StringComparison.Ordinal);
    }
}
