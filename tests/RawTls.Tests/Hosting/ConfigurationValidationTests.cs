using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace RawTls.Tests.Hosting;

public class ConfigurationValidationTests
{
    [Fact]
    public async Task Out_of_range_and_missing_values_fail_start_naming_each_key()
    {
        await using var f = HostingFixture.Create();
        var (files, _) = f.WriteCertificate("site", "localhost");
        var section = HostingFixture.Section(
            new Dictionary<string, object?> { ["CertificatePath"] = files.CertPath },
            new Dictionary<string, object?> { ["PfxPath"] = Path.Combine(f.Root, "missing.p12"), ["OcspResponderUrl"] = "ftp://example.test/" });
        section["Endpoints"] = new object[] { new { Address = "127.0.0.1", Port = 70000 }, new { Address = "not-an-ip", Port = 1 } };
        section["Stapling"] = new Dictionary<string, object?> { ["Jitter"] = 2, ["MinRefreshInterval"] = "00:10:00", ["MaxRefreshInterval"] = "00:01:00" };
        section["MaxConcurrentHandshakes"] = 0;
        f.WriteSettings(section);
        IHost host = f.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("RawTls:Endpoints:0:Port: 70000 is out of range (0-65535)", ex.Failures);
        Assert.Contains(ex.Failures, m => m.StartsWith("RawTls:Endpoints:1:Address: 'not-an-ip'", StringComparison.Ordinal));
        Assert.Contains("RawTls:Certificates:0:KeyPath: is required", ex.Failures);
        Assert.Contains(ex.Failures, m => m.StartsWith("RawTls:Certificates:1:PfxPath: file '", StringComparison.Ordinal) && m.EndsWith("missing.p12' does not exist", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, m => m.StartsWith("RawTls:Certificates:1:OcspResponderUrl:", StringComparison.Ordinal));
        Assert.Contains("RawTls:Stapling:Jitter: 2 is out of range (0-0.5)", ex.Failures);
        Assert.Contains(ex.Failures, m => m.StartsWith("RawTls:Stapling:MaxRefreshInterval: 00:01:00 is below MinRefreshInterval", StringComparison.Ordinal));
        Assert.Contains("RawTls:MaxConcurrentHandshakes: 0 is out of range (1-2147483647)", ex.Failures);
        Assert.Equal(8, ex.Failures.Count());
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_fails_start_naming_its_key()
    {
        await using var f = HostingFixture.Create();
        var (files, _) = f.WriteCertificate("site", "localhost");
        var section = HostingFixture.Section(f.PemEntry(files));
        section["Endpoints"] = new object[] { new { Address = "127.0.0.1", Port = "https" } };
        f.WriteSettings(section);
        IHost host = f.Build();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("'https' at 'RawTls:Endpoints:0:Port'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelt_key_fails_start_naming_the_section_and_the_key()
    {
        await using var f = HostingFixture.Create();
        var (files, _) = f.WriteCertificate("site", "localhost");
        var section = HostingFixture.Section(f.PemEntry(files));
        section["Stapling"] = new Dictionary<string, object?> { ["Mdoe"] = "Require" };
        f.WriteSettings(section);
        IHost host = f.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        string failure = Assert.Single(ex.Failures);
        Assert.StartsWith("RawTls:Stapling:Mdoe: unknown key; StaplingOptions has Mode, CacheDirectory,", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_endpoint_and_no_certificate_are_reported_together()
    {
        await using var f = HostingFixture.Create();
        f.WriteSettings(new Dictionary<string, object?> { ["HandshakeTimeout"] = "00:00:05" });
        IHost host = f.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(ex.Failures, m => m.StartsWith("RawTls:Endpoints: at least one endpoint is required", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, m => m.StartsWith("RawTls:Certificates: at least one certificate is required", StringComparison.Ordinal));
    }
}
