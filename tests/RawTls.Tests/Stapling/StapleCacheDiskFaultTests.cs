using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Stapling;
using RawTls.Tests.Reload;
using Xunit.Abstractions;

namespace RawTls.Tests.Stapling;

/// <summary>
/// The staple cache directory (<c>--staple-cache</c>) fails under a running server, or holds a bad file at start.
/// In every case the server keeps serving the current valid staple (a real handshake shows it), the failure is
/// logged once per change of state and counted, the cache is written again once the disk is back, and a bad file
/// is never served.
/// </summary>
[Collection(RawTls.Tests.Infrastructure.TimingSensitive.Name)]
public sealed class StapleCacheDiskFaultTests(ITestOutputHelper output) : IDisposable
{
    private const string StoreErrors = "rawtls.ocsp.store.errors";
    private readonly string _dir = Directory.CreateTempSubdirectory("rawtls-cache-").FullName;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SkippableFact]
    public async Task A_cache_directory_that_turns_read_only_is_logged_once_counted_and_written_again_once_writable()
    {
        using TmpfsMount disk = TmpfsMount.MountOrSkip("64k");
        await RunningFaultAsync(disk.Path, inject: disk.RemountReadOnly, heal: disk.RemountReadWrite, fails: true);
    }

    [SkippableFact]
    public async Task A_full_cache_disk_is_logged_once_counted_leaves_no_temporary_files_and_is_written_again_once_freed()
    {
        using TmpfsMount disk = TmpfsMount.MountOrSkip("64k");
        string filler = Path.Combine(disk.Path, "filler");
        await RunningFaultAsync(disk.Path, inject: () => Fill(filler), heal: () => File.Delete(filler), fails: true);
    }

    [Fact]
    public async Task A_cache_directory_deleted_while_running_is_created_again_by_the_next_save()
    {
        string cache = Path.Combine(_dir, "cache");
        await RunningFaultAsync(cache, inject: () => Directory.Delete(cache, recursive: true), heal: static () => { }, fails: false);
    }

    [Fact]
    public async Task A_cache_directory_replaced_by_a_file_while_running_is_logged_once_counted_and_written_again_once_restored()
    {
        string cache = Path.Combine(_dir, "cache");
        await RunningFaultAsync(
            cache,
            inject: () =>
            {
                Directory.Delete(cache, recursive: true);
                File.WriteAllText(cache, "a file where the cache directory should be");
            },
            heal: () => File.Delete(cache),
            fails: true);
    }

    public static TheoryData<string> BadFiles => new() { "truncated", "corrupt", "other-certificate", "future" };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task A_bad_cache_file_at_start_is_never_served_is_logged_once_counted_and_overwritten(string kind)
    {
        string cache = Path.Combine(_dir, "cache");
        Directory.CreateDirectory(cache);
        using var logs = new LogCollector();
        using var meters = new RecordingMeterFactory();
        await using var f = StaplingFixture.Create(_clock, validity: TimeSpan.FromHours(2));
        using X509Certificate2 other = f.Ca.IssueLeaf(["other.test"]);
        string file = Path.Combine(cache, Convert.ToHexStringLower(SHA256.HashData(f.Ca.Leaf.RawData)) + ".ocsp");
        byte[] bad = BadFile(kind, f, other);
        await File.WriteAllBytesAsync(file, bad);

        await f.StartServerAsync(o =>
        {
            o.Stapling.CacheDirectory = cache;
            o.LoggerFactory = logs;
            o.MeterFactory = meters;
        });

        StapleStatus status = f.Holder.StaplingStatus!;
        Assert.False(status.FromStore);
        Assert.Equal(StapleState.Good, status.State);
        byte[] served = (await f.ProbeAsync()).OcspResponse!;
        Assert.NotEqual(bad, served);
        Assert.Equal(f.Holder.Current.Staple!.Response.ToArray(), served);
        Assert.Equal(OcspVerdict.Good, f.ValidateAsClient(served).Verdict);
        Assert.Equal(1, meters.Recorded.Sum(StoreErrors));
        Assert.Single(logs.At(LogLevel.Information), m => m.Contains("stored response not used", StringComparison.Ordinal));
        Assert.Equal(served, await File.ReadAllBytesAsync(file)); // overwritten by the fetched staple

        // Bad again under the running server: every refresh replaces it, none serves it or logs it again.
        for (int i = 0; i < 3; i++)
        {
            await File.WriteAllBytesAsync(file, bad);
            _clock.Advance(TimeSpan.FromMinutes(1));
            await f.Holder.RefreshStapleAsync();
            byte[] now = (await f.ProbeAsync()).OcspResponse!;
            Assert.NotEqual(bad, now);
            Assert.Equal(OcspVerdict.Good, f.ValidateAsClient(now).Verdict);
            Assert.Equal(now, await File.ReadAllBytesAsync(file));
        }

        Assert.Single(logs.At(LogLevel.Information), m => m.Contains("stored response not used", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.At(LogLevel.Warning), m => m.Contains("staple store", StringComparison.Ordinal));
    }

    /// <summary>
    /// Starts a server caching in <paramref name="cache"/>, breaks the disk with <paramref name="inject"/>, refreshes
    /// three times (one minute apart, so each fetch is a newer staple), then mends it with <paramref name="heal"/>.
    /// </summary>
    private async Task RunningFaultAsync(string cache, Action inject, Action heal, bool fails)
    {
        using var logs = new LogCollector();
        using var meters = new RecordingMeterFactory();
        await using var f = StaplingFixture.Create(_clock, validity: TimeSpan.FromHours(2));
        await f.StartServerAsync(o =>
        {
            o.Stapling.CacheDirectory = cache;
            o.LoggerFactory = logs;
            o.MeterFactory = meters;
        });
        string file = Directory.GetFiles(cache, "*.ocsp").Single();
        Assert.Equal(f.Holder.Current.Staple!.Response.ToArray(), await File.ReadAllBytesAsync(file));
        Assert.Equal(0, meters.Recorded.Sum(StoreErrors));

        inject();
        OcspStaple previous = f.Holder.Current.Staple!;
        for (int i = 0; i < 3; i++)
        {
            _clock.Advance(TimeSpan.FromMinutes(1));
            await f.Holder.RefreshStapleAsync();
            OcspStaple current = f.Holder.Current.Staple!;
            Assert.True(current.ThisUpdate > previous.ThisUpdate, "in-memory publishing stopped with the disk");
            byte[] served = (await f.ProbeAsync()).OcspResponse!;
            Assert.Equal(current.Response.ToArray(), served);
            Assert.Equal(OcspVerdict.Good, f.ValidateAsClient(served).Verdict);
            previous = current;
        }

        long errors = meters.Recorded.Sum(StoreErrors);
        int failingLogs = logs.At(LogLevel.Warning).Count(m => m.Contains("staple store", StringComparison.Ordinal) && m.Contains("failing", StringComparison.Ordinal));
        if (fails)
        {
            Assert.True(errors >= 3, $"{errors} store errors counted over three failing refreshes");
            Assert.Equal(1, failingLogs);
        }
        else
        {
            Assert.Equal(0, errors);
            Assert.Equal(0, failingLogs);
            Assert.Equal(previous.Response.ToArray(), await File.ReadAllBytesAsync(file));
        }

        output.WriteLine($"{cache}: {errors} store errors counted over three refreshes, {failingLogs} failing log line(s)");
        heal();
        _clock.Advance(TimeSpan.FromMinutes(1));
        await f.Holder.RefreshStapleAsync();
        OcspStaple healed = f.Holder.Current.Staple!;
        Assert.True(healed.ThisUpdate > previous.ThisUpdate);
        Assert.Equal(healed.Response.ToArray(), await File.ReadAllBytesAsync(file)); // the next save lands
        Assert.Equal(fails ? 1 : 0, logs.At(LogLevel.Information).Count(m => m.Contains("answering again", StringComparison.Ordinal)));
        Assert.Equal(fails ? 1 : 0, logs.At(LogLevel.Warning).Count(m => m.Contains("staple store", StringComparison.Ordinal) && m.Contains("failing", StringComparison.Ordinal)));
        Assert.Equal(errors, meters.Recorded.Sum(StoreErrors)); // nothing failed after the disk was back
        Assert.Empty(Directory.GetFiles(cache, "*.tmp"));
    }

    /// <summary>Writes <paramref name="path"/> until the volume refuses another byte.</summary>
    private static void Fill(string path)
    {
        byte[] chunk = new byte[4096];
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
        for (int i = 0; i < 100_000; i++)
        {
            try
            {
                stream.Write(chunk);
            }
            catch (IOException)
            {
                return;
            }
        }

        Assert.Fail($"{path}: wrote {chunk.Length * 100_000} bytes without filling the volume");
    }

    private byte[] BadFile(string kind, StaplingFixture f, X509Certificate2 other)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        OcspResponseBuilder Good(X509Certificate2 leaf) => new OcspResponseBuilder(_clock).ForCertificate(leaf, f.Ca.Intermediate).Good()
            .ThisUpdate(now.AddMinutes(-1)).NextUpdate(now.AddHours(2)).SignedByIssuer(f.Ca.Intermediate);
        byte[] good = Good(f.Ca.Leaf).Build();
        Assert.Equal(OcspVerdict.Good, f.ValidateAsClient(good).Verdict); // the base is sound: only the fault is wrong
        switch (kind)
        {
            case "truncated":
                return good[..(good.Length / 2)];
            case "corrupt":
                byte[] flipped = (byte[])good.Clone();
                flipped[^8] ^= 0x5A; // inside the signature
                return flipped;
            case "other-certificate":
                return Good(other).Build();
            case "future":
                // thisUpdate two hours ahead: beyond the five-minute clock skew.
                return Good(f.Ca.Leaf).ThisUpdate(now.AddHours(2)).NextUpdate(now.AddHours(4)).Build();
            default:
                throw new ArgumentException(kind);
        }
    }
}
