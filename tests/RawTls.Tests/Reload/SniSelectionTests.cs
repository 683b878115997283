using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RawTls.Ocsp;
using RawTls.Server;

namespace RawTls.Tests.Reload;

/// <summary>Several certificates on one listener, chosen by server name, each with its own staple.</summary>
public class SniSelectionTests
{
    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task Each_name_gets_its_certificate_and_its_own_staple(SslProtocols protocol)
    {
        await using var f = ReloadFixture.Create();
        var (_, main) = f.AddCertificate("main", "localhost", "a.example.test");
        var (_, wildcard) = f.AddCertificate("wildcard", "*.example.test");
        var (_, other) = f.AddCertificate("other", "other.test");
        await f.StartAsync();
        Assert.Equal(3, f.Server.Certificates.Count);
        Assert.All(f.Server.Certificates, c => Assert.NotNull(c.Current.Staple));
        Assert.Equal(3, f.Server.Certificates.Select(c => c.Stapler).Distinct().Count()); // one refresh schedule each

        var expected = new (string? Name, X509Certificate2 Leaf)[]
        {
            ("localhost", main),
            ("a.example.test", main), // exact beats wildcard
            ("b.example.test", wildcard),
            ("B.Example.Test.", wildcard), // case and a trailing dot do not matter
            ("other.test", other),
            ("example.test", main), // *.example.test does not cover the bare domain: unknown, default
            ("a.b.example.test", main), // nor two labels
            ("unknown.test", main),
            (null, main), // no SNI: default
        };
        foreach (var (name, leaf) in expected)
        {
            StapleProbeResult r = await f.ProbeAsync(name, protocol);
            Assert.Equal(protocol, r.NegotiatedProtocol);
            Assert.True(leaf.SerialNumber == ReloadFixture.SerialOf(r), $"{name ?? "(no SNI)"}: expected serial {leaf.SerialNumber}, got {ReloadFixture.SerialOf(r)}");
            Assert.Null(f.Problem(r)); // the staple validates for the leaf that came with it
        }
    }

    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task Refusing_unknown_names_refuses_them_but_serves_known_names_and_no_sni(SslProtocols protocol)
    {
        await using var f = ReloadFixture.Create();
        var (_, main) = f.AddCertificate("main", "localhost");
        var (_, wildcard) = f.AddCertificate("wildcard", "*.example.test");
        await f.StartAsync(o => o.UnknownServerName = UnknownServerNamePolicy.RefuseHandshake);

        Assert.Equal(wildcard.SerialNumber, ReloadFixture.SerialOf(await f.ProbeAsync("x.example.test", protocol)));
        Assert.Equal(main.SerialNumber, ReloadFixture.SerialOf(await f.ProbeAsync(null, protocol)));
        await Assert.ThrowsAnyAsync<IOException>(() => f.ProbeAsync("example.test", protocol));
        await Assert.ThrowsAnyAsync<IOException>(() => f.ProbeAsync("a.b.example.test", protocol));
        await Assert.ThrowsAnyAsync<IOException>(() => f.ProbeAsync("unknown.test", protocol));
    }

    [Fact]
    public async Task A_reload_that_changes_names_publishes_a_new_selector()
    {
        await using var f = ReloadFixture.Create();
        var (_, main) = f.AddCertificate("main", "localhost");
        var (files, _) = f.AddCertificate("wildcard", "*.example.test");
        await f.StartAsync();

        using X509Certificate2 renamed = f.Issue("*.sample.test");
        await files.WriteRenameOverAsync(renamed, f.Ca.Intermediate);
        await f.WaitForSerialAsync(renamed.SerialNumber, "b.sample.test");

        Assert.Null(f.Problem(await f.ProbeAsync("b.sample.test")));
        Assert.Equal(main.SerialNumber, ReloadFixture.SerialOf(await f.ProbeAsync("b.example.test"))); // no longer its name: default
        Assert.Same(f.Server.Certificates[1], f.Server.Certificates.Single(c => c.Current.Leaf.SerialNumber == renamed.SerialNumber)); // same holder
    }
}
