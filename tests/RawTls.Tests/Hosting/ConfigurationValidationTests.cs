using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RawTls.Stapling;

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
        f.WriteSettings(section);
        IHost host = f.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("RawTls:Endpoints:0:Port: 70000 is out of range (0-65535)", ex.Failures);
        Assert.Contains(ex.Failures, m => m.StartsWith("RawTls:Endpoints:1:Address: 'not-an-ip'", StringComparison.Ordinal));
        Assert.Contains("RawTls:Certificates:0:KeyPath: is required", ex.Failures);
        Assert.Contains(ex.Failures, m => m.StartsWith("RawTls:Certificates:1:PfxPath: file '", StringComparison.Ordinal) && m.EndsWith("missing.p12' does not exist", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, m => m.StartsWith("RawTls:Certificates:1:OcspResponderUrl:", StringComparison.Ordinal));
        Assert.Equal(5, ex.Failures.Count());
    }

    [Theory]
    [InlineData("Stapling", "Jitter", 2, "RawTls:Stapling:Jitter: is 2; allowed: 0 to 0.5.")]
    [InlineData("Stapling", "MaxRedirects", 11, "RawTls:Stapling:MaxRedirects: is 11; allowed: 0 to 10.")]
    [InlineData("Reload", "StapleWait", "01:00:00", "RawTls:Reload:StapleWait: is 01:00:00; allowed: 00:00:00 to 00:05:00.")]
    [InlineData(null, "MaxConcurrentHandshakes", 0, "RawTls:MaxConcurrentHandshakes: is 0; allowed: 1 to 1,000,000.")]
    public async Task A_value_outside_the_library_range_fails_start_naming_its_key_and_the_range(string? parent, string key, object value, string expected)
    {
        await using var f = HostingFixture.Create();
        var (files, _) = f.WriteCertificate("site", "localhost");
        var section = HostingFixture.Section(f.PemEntry(files));
        if (parent is null)
        {
            section[key] = value;
        }
        else
        {
            section[parent] = new Dictionary<string, object?> { [key] = value };
        }

        f.WriteSettings(section);
        IHost host = f.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(expected, Assert.Single(ex.Failures));
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
