using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CsCheck;
using Microsoft.Extensions.Logging;
using RawTls.Certificates;
using RawTls.DevPki;
using RawTls.Tests.Reload;

namespace RawTls.Tests.Fuzz;

/// <summary>
/// Mutation fuzzing of certificate and key files (PEM leaf, key, chain, full-chain PEM, PKCS#12): the loader either
/// loads them or throws <see cref="CertificateLoadException"/> naming a file of the set; on a running server a
/// mutated file never replaces the serving certificate and its error names the file.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class CertificateFileFuzzTests : IDisposable
{
    private static readonly string[] s_kinds = ["leaf.pem", "leaf.key", "chain.pem", "fullchain.pem", "site.pfx"];
    private static readonly Lazy<Corpus> s_corpus = new(() => new Corpus());
    private readonly string _dir = Directory.CreateTempSubdirectory("rawtls-certfuzz-").FullName;

    [Fact]
    public void Mutated_certificate_and_key_files_load_or_fail_with_an_error_naming_the_file()
    {
        Corpus corpus = s_corpus.Value;
        long count = FuzzHarness.Run("certificate-files", corpus.Generator(), input =>
        {
            int kind = input.Length == 0 ? 0 : input[0] % s_kinds.Length;
            byte[] content = input.Length == 0 ? [] : input[1..];
            foreach ((string name, byte[] bytes) in corpus.Files)
            {
                File.WriteAllBytes(Path.Combine(_dir, name), bytes);
            }

            string mutated = Path.Combine(_dir, s_kinds[kind]);
            File.WriteAllBytes(mutated, content);
            ServerCertificateOptions options = kind switch
            {
                3 => ServerCertificateOptions.FromPemFiles(mutated, Path.Combine(_dir, "leaf.key")),
                4 => ServerCertificateOptions.FromPfxFile(mutated),
                _ => ServerCertificateOptions.FromPemFiles(Path.Combine(_dir, "leaf.pem"), Path.Combine(_dir, "leaf.key"), Path.Combine(_dir, "chain.pem")),
            };
            try
            {
                CertificateBundle bundle = CertificateLoader.Load(options, corpus.Now);
                Assert.True(bundle.Leaf.HasPrivateKey);
            }
            catch (CertificateLoadException ex)
            {
                Assert.True(s_kinds.Any(k => ex.Message.Contains(Path.Combine(_dir, k), StringComparison.Ordinal)), $"the error names no file: {ex.Message}");
            }
        }, new FuzzLimits { SlowInput = TimeSpan.FromMilliseconds(250) });

        Assert.True(count > 3, $"only {count} inputs ran"); // each writes five files and imports an RSA key
    }

    [Fact]
    public async Task Mutated_files_on_a_running_server_never_replace_the_serving_certificate()
    {
        await using var f = ReloadFixture.Create();
        var (files, first) = f.AddCertificate("site", "localhost");
        await f.StartAsync(configureCertificate: c => c.Watch = false);
        string[] paths = [files.CertPath, files.KeyPath, files.ChainPath];
        var originals = paths.ToDictionary(p => p, File.ReadAllBytes);
        int failed = 0;
        // Each input is one reload on the running server, inside the harness (its watchdog catches a hang).
        FuzzHarness.Run("certificate-reload", Mutator.Text([.. originals.Values], ["-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n", "\n", "=", "A"]), input =>
        {
            string path = paths[input.Length % paths.Length]; // from the input, so a re-measured input rewrites the same file
            File.WriteAllBytes(path, input);
            CertificateReloadStatus status = f.Server.ReloadCertificatesAsync().GetAwaiter().GetResult()[0];
            if (status.Result == CertificateReloadResult.Failed)
            {
                failed++;
                Assert.Contains(files.Directory, status.Error, StringComparison.Ordinal);
                Assert.Equal(first.SerialNumber, ReloadFixture.SerialOf(f.ProbeAsync().GetAwaiter().GetResult()));
            }

            File.WriteAllBytes(path, originals[path]);
        }, new FuzzLimits { MaxInputs = 12, SlowInput = TimeSpan.FromSeconds(5) });

        Assert.True(failed > 0, "no mutant was refused");
        Assert.Equal(first.SerialNumber, ReloadFixture.SerialOf(await f.ProbeAsync()));
        Assert.All(f.Logs.At(LogLevel.Error), e => Assert.Contains(files.Directory, e, StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Corpus
    {
        public Corpus()
        {
            using var ca = DevCertificateAuthority.Create(new DevPkiOptions { KeyAlgorithm = DevKeyAlgorithm.Rsa2048 });
            Now = DateTimeOffset.UtcNow;
            string leaf = LeafFiles.CertPem(ca.Leaf), key = LeafFiles.KeyPem(ca.Leaf), chain = LeafFiles.CertPem(ca.Intermediate);
            var collection = new X509Certificate2Collection { ca.Leaf, ca.Intermediate };
            Files =
            [
                ("leaf.pem", Encoding.ASCII.GetBytes(leaf)),
                ("leaf.key", Encoding.ASCII.GetBytes(key)),
                ("chain.pem", Encoding.ASCII.GetBytes(chain)),
                ("fullchain.pem", Encoding.ASCII.GetBytes(leaf + chain)),
                ("site.pfx", collection.Export(X509ContentType.Pkcs12)!),
            ];
            Ders = [ca.Leaf.RawData, ca.Intermediate.RawData, ca.Root.RawData];
        }

        public DateTimeOffset Now { get; }

        public List<(string Name, byte[] Bytes)> Files { get; }

        public byte[][] Ders { get; }

        /// <summary>First byte: which file is mutated; then its content, mutated as text, as DER re-wrapped in PEM, or as PKCS#12 DER.</summary>
        public Gen<byte[]> Generator()
        {
            Gen<byte[]> text = Mutator.Text([.. Files.Take(4).Select(f => f.Bytes)], ["-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n", "-----BEGIN PRIVATE KEY-----\n", "\n", "=", "\r\n"]);
            Gen<byte[]> der = Mutator.Der(Ders, Ders).Select(d => Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE", d) + "\n"));
            Gen<byte[]> pfx = Mutator.Der([Files[4].Bytes], Ders);
            return Gen.OneOf(
                Gen.Select(Gen.Int[0, 3], text, static (k, b) => (byte[])[(byte)k, .. b]),
                Gen.Select(Gen.Int[0, 2].Select(static i => i == 1 ? 3 : i), der, static (k, b) => (byte[])[(byte)k, .. b]),
                pfx.Select(static b => (byte[])[4, .. b]));
        }
    }
}
