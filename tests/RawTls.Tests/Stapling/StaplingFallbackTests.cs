using System.Security.Cryptography.X509Certificates;
using RawTls.Certificates;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Server;
using RawTls.Stapling;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Stapling;

/// <summary>The path taken when the runtime adapter fails its startup check: the runtime fetches, RawTls verifies and publishes.</summary>
public class StaplingFallbackTests
{
    [Fact]
    public async Task Adapter_check_passes_on_this_runtime()
    {
        await using var f = StaplingFixture.Create();
        await f.StartServerAsync();
        Assert.True(f.Holder.StaplingStatus!.AdapterActive);
    }

    [Fact]
    public async Task Without_the_adapter_the_runtime_fetches_and_the_probed_validated_staple_is_published()
    {
        using var ca = DevCertificateAuthority.Create();
        await using var responder = OcspResponder.Start(ca);
        // The runtime only fetches from the leaf's AIA URL, and only with the root among the certificates.
        X509Certificate2 leaf = ca.IssueLeaf(new DevLeafOptions { OcspUrl = responder.Url });
        var options = new TlsServerOptions().Listen(System.Net.IPAddress.Loopback, 0);
        options.Certificates.Add(ServerCertificateOptions.FromCertificate(leaf, [ca.Intermediate, ca.Root]));
        options.Stapling.SimulateAdapterUnavailable = true;
        options.Stapling.FetchTimeout = TimeSpan.FromSeconds(5);
        await using var server = new TlsServer(options, TestServerFactory.EchoHandler);
        await server.StartAsync();

        CertificateHolder holder = server.Certificates[0];
        StapleStatus status = holder.StaplingStatus!;
        Assert.False(status.AdapterActive);
        Assert.NotNull(holder.Current.Staple);
        Assert.True(responder.RequestCount >= 1);

        var probe = await StapleProbe.ProbeAsync(server.LocalEndPoints[0], new StapleProbeOptions { ServerName = "localhost" });
        Assert.Equal(holder.Current.Staple!.Response.ToArray(), probe.OcspResponse);
        Assert.Equal(OcspVerdict.Good, new OcspResponseValidator(leaf, ca.Intermediate).Validate(probe.OcspResponse!).Verdict);
    }

    [Fact]
    public async Task Without_the_adapter_and_without_a_root_nothing_is_stapled_and_the_failure_is_visible()
    {
        using var ca = DevCertificateAuthority.Create();
        await using var responder = OcspResponder.Start(ca);
        X509Certificate2 leaf = ca.IssueLeaf(new DevLeafOptions { OcspUrl = responder.Url });
        var options = new TlsServerOptions().Listen(System.Net.IPAddress.Loopback, 0);
        options.Certificates.Add(ServerCertificateOptions.FromCertificate(leaf, [ca.Intermediate]));
        options.Stapling.SimulateAdapterUnavailable = true;
        options.Stapling.FetchTimeout = TimeSpan.FromSeconds(1);
        await using var server = new TlsServer(options, TestServerFactory.EchoHandler);
        await server.StartAsync();

        CertificateHolder holder = server.Certificates[0];
        Assert.Null(holder.Current.Staple);
        Assert.Equal("runtime_no_staple", holder.StaplingStatus!.LastResult);
        Assert.Null((await StapleProbe.ProbeAsync(server.LocalEndPoints[0], new StapleProbeOptions { ServerName = "localhost" })).OcspResponse);
    }
}
