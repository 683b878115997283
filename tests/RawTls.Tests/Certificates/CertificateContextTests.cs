using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using RawTls.Certificates;
using RawTls.DevPki;
using RawTls.Internal.Runtime;
using RawTls.Stapling.Internal;
using RawTls.Tests.Infrastructure;
using RawTls.Tests.Stapling;
using static RawTls.Tests.Infrastructure.TestServerFactory;

namespace RawTls.Tests.Certificates;

/// <summary>
/// Contexts made from RawTls's own verified chain, without the runtime's chain build against the machine trust store:
/// the startup check, the chain a real client receives, and the fallback through the runtime's build.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class CertificateContextTests
{
    [Fact]
    public async Task The_startup_check_proves_the_constructor_on_this_runtime()
    {
        (bool ok, string? problem) = await CertificateContextCheck.ResultAsync();
        Assert.True(ok, problem);
        Assert.True(RuntimeCertificateContext.ConstructorVerified);
    }

    [Fact]
    public async Task A_failing_check_reports_why_and_does_not_switch_anything()
    {
        (bool ok, string? problem) = await CertificateContextCheck.RunAsync(simulateUnavailable: true);
        Assert.False(ok);
        Assert.Contains("simulated", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_paths_hold_the_same_chain_for_a_bundle_with_its_root()
    {
        using var ca = DevCertificateAuthority.Create(new DevPkiOptions());
        CertificateBundle bundle = CertificateLoader.Assemble(ca.Leaf, [ca.Root, ca.Intermediate], "test");
        SslStreamCertificateContext built = RuntimeCertificateContext.ThroughChainBuild(bundle.Leaf, bundle.Intermediates);
        SslStreamCertificateContext constructed = RuntimeCertificateContext.FromChain(bundle.Leaf, bundle.Intermediates);

        Assert.Equal(Thumbprints(built.IntermediateCertificates), Thumbprints(constructed.IntermediateCertificates));
        Assert.Equal(new List<string> { ca.Intermediate.Thumbprint }, Thumbprints(constructed.IntermediateCertificates)); // the root is never sent
        Assert.Same(bundle.Leaf, constructed.TargetCertificate);
    }

    [Theory]
    [InlineData("-tls1_3")]
    [InlineData("-tls1_2")]
    public async Task Openssl_receives_the_leaf_and_the_intermediate_and_verifies_them_against_the_root(string protocol)
    {
        await using var fixture = StaplingFixture.Create();
        await fixture.StartServerAsync(o => o.Stapling.Mode = RawTls.Stapling.StaplingMode.Off);
        string dir = Directory.CreateTempSubdirectory("rawtls-context-").FullName;
        try
        {
            string rootFile = Path.Combine(dir, "root.pem");
            await File.WriteAllTextAsync(rootFile, fixture.Ca.Root.ExportCertificatePem());
            string[] args = ["s_client", "-connect", $"127.0.0.1:{fixture.EndPoint.Port}", "-servername", "localhost", protocol,
                "-showcerts", "-CAfile", rootFile, "-verify_return_error"];
            (int exit, string output, _) = await ExternalTool.RunAsync("openssl", args, DefaultWait, stdin: string.Empty);

            Assert.True(RuntimeCertificateContext.ConstructorVerified); // the server's start ran the check: these came from the constructor
            Assert.True(exit == 0, output);
            Assert.Contains("Verify return code: 0 (ok)", output, StringComparison.Ordinal);
            List<X509Certificate2> sent = ParsePems(output);
            Assert.Equal(new[] { fixture.Ca.Leaf.Thumbprint, fixture.Ca.Intermediate.Thumbprint }, sent.Select(c => c.Thumbprint).ToArray());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_context_from_the_fallback_path_serves_the_same_chain()
    {
        using var ca = DevCertificateAuthority.Create(new DevPkiOptions());
        CertificateBundle bundle = CertificateLoader.Assemble(ca.Leaf, [ca.Intermediate], "test");
        foreach (SslStreamCertificateContext context in new[]
                 {
                     RuntimeCertificateContext.ThroughChainBuild(bundle.Leaf, bundle.Intermediates),
                     RuntimeCertificateContext.FromChain(bundle.Leaf, bundle.Intermediates),
                 })
        {
            Assert.Equal(new List<string> { ca.Leaf.Thumbprint, ca.Intermediate.Thumbprint }, await CertificateContextCheck.SentChainAsync(context));
        }
    }

    private static List<string> Thumbprints(IEnumerable<X509Certificate2> certificates) => [.. certificates.Select(c => c.Thumbprint)];

    private static List<X509Certificate2> ParsePems(string text)
    {
        var found = new List<X509Certificate2>();
        int at = 0;
        while ((at = text.IndexOf("-----BEGIN CERTIFICATE-----", at, StringComparison.Ordinal)) >= 0)
        {
            int end = text.IndexOf("-----END CERTIFICATE-----", at, StringComparison.Ordinal) + "-----END CERTIFICATE-----".Length;
            found.Add(X509Certificate2.CreateFromPem(text.AsSpan(at, end - at)));
            at = end;
        }

        return found;
    }
}
