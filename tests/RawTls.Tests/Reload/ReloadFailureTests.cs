using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using RawTls.Certificates;
using RawTls.DevPki;
using RawTls.Stapling;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Reload;

/// <summary>Bad files never replace a good certificate: the old one keeps serving, the error names the file, a later good write wins.</summary>
public class ReloadFailureTests
{
    public enum BadWrite
    {
        JunkCertificate,
        MissingKeyFile,
        WrongKey,
        ExpiredCertificate,
        ChainFromAnotherIssuer,
        ChainWithImpostorIssuer,
    }

    [Theory]
    [InlineData(BadWrite.JunkCertificate, "leaf.pem", "no PEM certificate")]
    [InlineData(BadWrite.MissingKeyFile, "leaf.key", "cannot read the private key file")]
    [InlineData(BadWrite.WrongKey, "leaf.key", "does not match")]
    [InlineData(BadWrite.ExpiredCertificate, "leaf.pem", "expired")]
    [InlineData(BadWrite.ChainFromAnotherIssuer, "chain.pem", "does not contain the issuer")]
    [InlineData(BadWrite.ChainWithImpostorIssuer, "chain.pem", "did not sign")]
    public async Task Bad_files_keep_the_old_certificate_serving_log_the_file_and_count_the_error(BadWrite bad, string file, string why)
    {
        await using var f = ReloadFixture.Create();
        var (files, first) = f.AddCertificate("site", "localhost");
        await f.StartAsync();
        CertificateHolder holder = f.Server.Certificates[0];

        switch (bad)
        {
            case BadWrite.JunkCertificate:
                await WriteWholeAsync(files.CertPath, "this is not a certificate\n");
                break;
            case BadWrite.MissingKeyFile:
                File.Delete(files.KeyPath);
                break;
            case BadWrite.WrongKey:
                using (X509Certificate2 other = f.Issue("localhost"))
                {
                    await WriteWholeAsync(files.KeyPath, LeafFiles.KeyPem(other));
                }

                break;
            case BadWrite.ExpiredCertificate:
                DateTimeOffset now = DateTimeOffset.UtcNow;
                using (X509Certificate2 expired = f.Ca.IssueLeaf(new DevLeafOptions { Names = ["localhost"], NotBefore = now.AddDays(-30), NotAfter = now.AddDays(-1) }))
                {
                    files.Write(expired, f.Ca.Intermediate);
                }

                break;
            case BadWrite.ChainFromAnotherIssuer:
                using (var stranger = DevCertificateAuthority.Create())
                {
                    await WriteWholeAsync(files.ChainPath, LeafFiles.CertPem(stranger.Intermediate));
                }

                break;
            case BadWrite.ChainWithImpostorIssuer:
                // The issuer's name on a certificate with another key: the chain names the right issuer, which did not sign the leaf.
                using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
                {
                    var request = new CertificateRequest(f.Ca.Intermediate.SubjectName, key, HashAlgorithmName.SHA256);
                    request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
                    using X509Certificate2 impostor = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
                    await WriteWholeAsync(files.ChainPath, LeafFiles.CertPem(impostor));
                }

                break;
        }

        // The reloader counts the failure, then logs it, then publishes LastReload: wait for the last of the three.
        await TestServerFactory.WaitUntilAsync(
            () => f.LoadErrors >= 1 && holder.LastReload?.Result == CertificateReloadResult.Failed, "the failed reload to be counted and reported", TimeSpan.FromSeconds(15));
        string path = Path.Combine(files.Directory, file);
        string error = Assert.Single(f.Logs.At(LogLevel.Error));
        Assert.Contains(path, error, StringComparison.Ordinal);
        Assert.Contains(why, error, StringComparison.Ordinal);
        Assert.Contains(first.SerialNumber, error, StringComparison.Ordinal); // says what is still served
        Assert.Equal(CertificateReloadResult.Failed, holder.LastReload!.Result);
        Assert.Contains(path, holder.LastReload.Error, StringComparison.Ordinal);
        Assert.Equal(holder.LastReload, f.Server.GetStatus().Certificates[0].LastReload);

        // Still the old certificate, still stapled.
        var probe = await f.ProbeAsync();
        Assert.Equal(first.SerialNumber, ReloadFixture.SerialOf(probe));
        Assert.Null(f.Problem(probe));

        // The same bad files are not reported again by the poll; a later good write is picked up.
        await Task.Delay(700);
        Assert.Equal(1, f.LoadErrors);
        using X509Certificate2 good = f.Issue("localhost");
        await files.WriteRenameOverAsync(good, f.Ca.Intermediate);
        await f.WaitForSerialAsync(good.SerialNumber);
        Assert.Null(f.Problem(await f.ProbeAsync()));
        Assert.Equal(CertificateReloadResult.Reloaded, holder.LastReload!.Result);
        Assert.Equal(1, f.LoadErrors);
    }

    [Fact]
    public async Task A_debounce_longer_than_the_poll_interval_still_ends_in_a_reload()
    {
        // The poll once restarted the quiet period whenever the files differed from the last read, so a debounce
        // longer than the poll interval never ended and the new files were never read.
        await using var f = ReloadFixture.Create();
        var (files, _) = f.AddCertificate("site", "localhost");
        await f.StartAsync(configure: o => { o.Reload.Debounce = TimeSpan.FromSeconds(1); o.Reload.PollInterval = TimeSpan.FromMilliseconds(200); });
        using X509Certificate2 next = f.Issue("localhost");
        await files.WriteRenameOverAsync(next, f.Ca.Intermediate);
        await f.WaitForSerialAsync(next.SerialNumber);
        Assert.Equal(0, f.LoadErrors);
    }

    [Fact]
    public async Task A_writer_pausing_between_the_key_and_the_certificate_is_not_reported_as_a_failure()
    {
        await using var f = ReloadFixture.Create();
        var (files, first) = f.AddCertificate("site", "localhost");
        // A 1 s quiet period, so the failure is held back for 4 s: ample time for this test's second write.
        await f.StartAsync(configure: o => o.Reload.Debounce = TimeSpan.FromSeconds(1));
        using X509Certificate2 next = f.Issue("localhost");

        await WriteWholeAsync(files.KeyPath, LeafFiles.KeyPem(next));
        await TestServerFactory.WaitUntilAsync(
            () => f.Logs.At(LogLevel.Information).Any(static m => m.Contains("do not load yet", StringComparison.Ordinal) && m.Contains("does not match", StringComparison.Ordinal)),
            "the watcher to read the new key beside the old certificate and hold the mismatch back", TimeSpan.FromSeconds(15), () => f.Logs.Dump());
        Assert.Equal(first.SerialNumber, ReloadFixture.SerialOf(await f.ProbeAsync()));

        await WriteWholeAsync(files.CertPath, LeafFiles.CertPem(next));
        await f.WaitForSerialAsync(next.SerialNumber);
        Assert.Equal(0, f.LoadErrors);
        Assert.Empty(f.Logs.At(LogLevel.Error));
        Assert.Equal(CertificateReloadResult.Reloaded, f.Server.Certificates[0].LastReload!.Result);
    }

    [Fact]
    public async Task Require_mode_keeps_the_old_certificate_when_the_new_leaf_gets_no_staple()
    {
        await using var f = ReloadFixture.Create();
        var (files, first) = f.AddCertificate("site", "localhost");
        await f.StartAsync(configure: o => o.Stapling.Mode = StaplingMode.Require, configureCertificate: c => c.Watch = false);
        Assert.True(f.Server.Certificates[0].IsServing);

        using X509Certificate2 next = f.Issue("localhost");
        f.Responder.FaultHook = _ => OcspFault.Status(503);
        var results = await f.Server.ReloadCertificatesAsync();
        Assert.Equal(CertificateReloadResult.Unchanged, results[0].Result); // same files: nothing to do

        files.Write(next, f.Ca.Intermediate);
        results = await f.Server.ReloadCertificatesAsync();
        Assert.Equal(CertificateReloadResult.Failed, results[0].Result);
        Assert.Contains("stapling is required", results[0].Error, StringComparison.Ordinal);
        Assert.Equal(first.SerialNumber, ReloadFixture.SerialOf(await f.ProbeAsync()));

        f.Responder.FaultHook = null;
        results = await f.Server.ReloadCertificatesAsync();
        Assert.Equal(CertificateReloadResult.Reloaded, results[0].Result);
        var probe = await f.ProbeAsync();
        Assert.Equal(next.SerialNumber, ReloadFixture.SerialOf(probe));
        Assert.Null(f.Problem(probe));
    }

    [Fact]
    public async Task Auto_mode_publishes_the_new_leaf_without_a_staple_when_the_responder_fails_and_says_so()
    {
        await using var f = ReloadFixture.Create();
        var (files, _) = f.AddCertificate("site", "localhost");
        await f.StartAsync(configure: o => o.Reload.StapleWait = TimeSpan.FromMilliseconds(500), configureCertificate: c => c.Watch = false);

        using X509Certificate2 next = f.Issue("localhost");
        files.Write(next, f.Ca.Intermediate);
        f.Responder.FaultHook = _ => OcspFault.Status(503);
        var status = await f.Server.CertificateSet!.ReloadCertificateAsync(f.Server.Certificates[0]);
        Assert.Equal(CertificateReloadResult.Reloaded, status.Result);
        var probe = await f.ProbeAsync();
        Assert.Equal(next.SerialNumber, ReloadFixture.SerialOf(probe));
        Assert.Null(probe.OcspResponse);
        Assert.Contains(f.Logs.At(LogLevel.Warning), m => m.Contains("no valid OCSP staple for the new serial " + next.SerialNumber, StringComparison.Ordinal));

        // The new leaf's own stapler keeps trying and staples once the responder answers.
        f.Responder.FaultHook = null;
        await f.Server.Certificates[0].RefreshStapleAsync();
        Assert.Null(f.Problem(await f.ProbeAsync()));
    }

    /// <summary>
    /// Replaces a file in one rename, as deployments do: these cases test bad contents, so the watcher must never catch
    /// a half-written file and report that instead.
    /// </summary>
    private static async Task WriteWholeAsync(string path, string text)
    {
        string temp = path + ".new";
        await File.WriteAllTextAsync(temp, text);
        File.Move(temp, path, overwrite: true);
    }
}
