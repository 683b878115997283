using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using RawTls.Certificates;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Reload;

/// <summary>
/// What a reload replaced is released once nobody holds it (its native OpenSSL memory is freed only by finalizers, and a
/// server's heap may go hours without a full collection), but never while an open connection still holds it.
/// </summary>
[Collection(TimingSensitive.Name)]
public class RetiredCertificateTests
{
    [Fact]
    public async Task Replaced_certificates_are_collected_after_the_grace_period_but_not_one_an_open_connection_holds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var f = ReloadFixture.Create(time);
        var (files, _) = f.AddCertificate("site", "localhost");
        await f.StartAsync(configureCertificate: c => c.Watch = false);
        CertificateHolder holder = f.Server.Certificates[0];
        await using TlsClient open = await TestServerFactory.ConnectTlsAsync(f.EndPoint); // served the first leaf; stays open
        WeakReference held = TrackLeaf(holder);
        var replaced = new List<WeakReference>();
        for (int i = 0; i < 4; i++)
        {
            if (i > 0)
            {
                replaced.Add(TrackLeaf(holder)); // served by nobody once the next reload is done
            }

            using (X509Certificate2 next = f.Issue("localhost"))
            {
                files.Write(next, f.Ca.Intermediate);
            }

            Assert.Equal(CertificateReloadResult.Reloaded, (await f.Server.ReloadCertificatesAsync())[0].Result);
        }

        time.Advance(RetiredCertificates.Grace); // the grace period after the last reload: one collection

        // Everything replaced before the latest reload is gone; the latest replaced one may still be referenced by
        // the reload that just finished and goes with the next collection.
        string alive = string.Join(", ", replaced.Select((w, i) => w.IsAlive ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-"));
        Assert.True(replaced.Take(replaced.Count - 1).All(w => !w.IsAlive), $"replaced certificates still alive after the grace period: {alive}");
        Assert.True(held.IsAlive, "the certificate an open connection holds was collected");
        byte[] payload = "still here"u8.ToArray();
        await open.Ssl.WriteAsync(payload);
        byte[] echoed = new byte[payload.Length];
        await open.Ssl.ReadExactlyAsync(echoed);
        Assert.Equal(payload, echoed);
    }

    [Fact]
    public void Reloads_that_keep_coming_sooner_than_the_grace_period_do_not_postpone_the_collection_forever()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var retired = new RetiredCertificates(time);
        TimeSpan step = RetiredCertificates.Grace / 3;
        for (int i = 0; i < 12; i++) // four grace periods of reloads, three per period
        {
            retired.Retired();
            time.Advance(step);
        }

        // A debounce that restarted at every reload would not have collected once.
        Assert.InRange(retired.Collections, 3, 12);

        // The last replaced certificate still gets its whole grace period, then the collections stop.
        long before = retired.Collections;
        retired.Retired();
        time.Advance(RetiredCertificates.Grace - TimeSpan.FromMilliseconds(1));
        long justBeforeGrace = retired.Collections;
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(retired.Collections > justBeforeGrace, "no collection a grace period after the last reload");
        Assert.InRange(justBeforeGrace - before, 0, 2); // at most the ones armed by earlier reloads
        long settled = retired.Collections;
        time.Advance(RetiredCertificates.Grace * 4);
        Assert.Equal(settled, retired.Collections);
    }

    [Fact]
    public void One_reload_gives_one_collection_a_grace_period_later()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var retired = new RetiredCertificates(time);
        retired.Retired();
        time.Advance(RetiredCertificates.Grace - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, retired.Collections);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, retired.Collections);
        time.Advance(RetiredCertificates.Grace * 4);
        Assert.Equal(1, retired.Collections);
    }

    // Not inlined, so no local of the test keeps the certificate alive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference TrackLeaf(CertificateHolder holder) => new(holder.Current.Leaf);
}
