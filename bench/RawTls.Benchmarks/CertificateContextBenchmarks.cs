using System.Net.Security;
using BenchmarkDotNet.Attributes;
using RawTls.DevPki;
using RawTls.Internal.Runtime;
using RawTls.Stapling.Internal;

namespace RawTls.Benchmarks;

/// <summary>
/// Making one <see cref="SslStreamCertificateContext"/> (per certificate load and per staple swap): the runtime's
/// <c>Create</c>, which builds a chain against the machine trust store, against the constructor path from the chain
/// RawTls has already verified.
/// </summary>
public class CertificateContextBenchmarks
{
    private DevCertificateAuthority? _ca;

    [Params(KeyKind.EcdsaP256)]
    public KeyKind Key { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _ca = BenchPki.Get(Key);
        (bool ok, string? problem) = CertificateContextCheck.ResultAsync().GetAwaiter().GetResult();
        if (!ok)
        {
            throw new InvalidOperationException($"the constructor path is unavailable here: {problem}");
        }
    }

    /// <summary><see cref="SslStreamCertificateContext.Create(System.Security.Cryptography.X509Certificates.X509Certificate2, System.Security.Cryptography.X509Certificates.X509Certificate2Collection?, bool, SslCertificateTrust?)"/>, offline.</summary>
    [Benchmark(Baseline = true)]
    public SslStreamCertificateContext ThroughChainBuild() => RuntimeCertificateContext.ThroughChainBuild(_ca!.Leaf, [_ca.Intermediate]);

    /// <summary>The runtime's constructor with the verified chain.</summary>
    [Benchmark]
    public SslStreamCertificateContext FromVerifiedChain() => RuntimeCertificateContext.FromChain(_ca!.Leaf, [_ca.Intermediate]);
}
