using System.Security.Cryptography.X509Certificates;
using RawTls.Certificates;

namespace RawTls.Tests.Reload;

/// <summary>Reloads on request, and what counts as a change.</summary>
public class ReloadTriggerTests
{
    [Fact]
    public async Task Api_reload_swaps_changed_files_reports_unchanged_ones_and_keeps_the_staple_for_a_chain_only_change()
    {
        await using var f = ReloadFixture.Create();
        var (files, first) = f.AddCertificate("site", "localhost");
        await f.StartAsync(configureCertificate: c => c.Watch = false);
        CertificateHolder holder = f.Server.Certificates[0];

        Assert.Equal(CertificateReloadResult.Unchanged, (await f.Server.ReloadCertificatesAsync())[0].Result);

        // Only the chain file changes (same certificates, other bytes): republished at once with the staple it had.
        long requests = f.Responder.RequestCount;
        await File.AppendAllTextAsync(files.ChainPath, "\n");
        CertificateReloadStatus chainOnly = await f.Server.CertificateSet!.ReloadCertificateAsync(holder);
        Assert.Equal(CertificateReloadResult.Reloaded, chainOnly.Result);
        Assert.Equal(first.SerialNumber, chainOnly.SerialNumber);
        var probe = await f.ProbeAsync();
        Assert.Null(f.Problem(probe));

        using X509Certificate2 next = f.Issue("localhost");
        files.Write(next, f.Ca.Intermediate);
        long version = holder.Current.Version;
        CertificateReloadStatus status = (await f.Server.ReloadCertificatesAsync())[0];
        Assert.Equal(CertificateReloadResult.Reloaded, status.Result);
        Assert.Equal(next.SerialNumber, status.SerialNumber);
        Assert.True(holder.Current.Version > version);
        Assert.NotNull(holder.Current.Staple); // the staple came before the swap, not after
        probe = await f.ProbeAsync();
        Assert.Equal(next.SerialNumber, ReloadFixture.SerialOf(probe));
        Assert.Null(f.Problem(probe));
        Assert.True(f.Responder.RequestCount > requests);
    }
}
