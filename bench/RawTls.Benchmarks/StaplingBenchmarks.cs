using System.Net.Security;
using BenchmarkDotNet.Attributes;
using RawTls.Certificates;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Stapling;
using RawTls.Stapling.Internal;

namespace RawTls.Benchmarks;

/// <summary>
/// The stapling refresh path off the handshake: validating a fetched OCSP response, then building and
/// publishing the new stapled certificate context that the next handshakes pick up.
/// </summary>
public class StaplingBenchmarks
{
    private CertificateBundle? _bundle;
    private OcspStaple? _staple;
    private CertificateHolder? _holder;
    private OcspResponseValidator? _validator;
    private byte[] _response = [];
    private long _version;

    [Params(KeyKind.EcdsaP256, KeyKind.Rsa2048)]
    public KeyKind Key { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        DevCertificateAuthority ca = BenchPki.Get(Key);
        _response = new OcspResponseBuilder().ForCertificate(ca.Leaf, ca.Intermediate).Good().SignedByIssuer(ca.Intermediate).Build();
        _validator = new OcspResponseValidator(ca.Leaf, ca.Intermediate);
        OcspValidationResult result = _validator.Validate(_response);
        if (!result.IsAccepted)
        {
            throw new InvalidOperationException($"the development OCSP response was rejected: {result.Message}");
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        _staple = new OcspStaple(_response, OcspCertificateStatus.Good, result.ThisUpdate!.Value, result.NextUpdate!.Value, result.ProducedAt!.Value, null, now);
        _bundle = new CertificateBundle(ca.Leaf, [ca.Intermediate], ca.Intermediate);
        var template = new SslServerAuthenticationOptions { AllowTlsResume = true };
        var initial = StapledContextFactory.Create(_bundle, stapling: true, _staple, _staple.NextUpdate - TimeSpan.FromMinutes(1), TimeProvider.System, 0);
        _holder = new CertificateHolder(ServerCertificateOptions.FromCertificate(ca.Leaf, BenchPki.Chain(ca)), StaplingMode.Auto, template, initial, serve: true);
    }

    /// <summary><see cref="OcspResponseValidator.Validate"/> on a good response signed by the issuer.</summary>
    [Benchmark]
    public bool ValidateOcspResponse() => _validator!.Validate(_response).IsAccepted;

    /// <summary>The swap: a new stapled context (<see cref="StapledContextFactory.Create"/>) published through <see cref="CertificateHolder.Publish"/>.</summary>
    [Benchmark]
    public void CreateAndPublishStapledContext()
    {
        var context = StapledContextFactory.Create(_bundle!, stapling: true, _staple, _staple!.NextUpdate - TimeSpan.FromMinutes(1), TimeProvider.System, ++_version);
        _holder!.Publish(context, serve: true);
    }
}
