using System.Globalization;
using System.Text;

namespace RawTls.Stapling.Internal;

/// <summary>
/// A staple store in a directory, on one host or on a volume shared by a fleet: one <c>KEY.ocsp</c> file per leaf,
/// written to a unique temporary file and renamed over the old one (readers see the old bytes or the new, never a
/// mix); the fetch lease is a <c>KEY.lease</c> file holding its owner and expiry, changed only under an exclusive
/// lock on <c>KEY.lease.lock</c>.
/// </summary>
/// <remarks>
/// File I/O runs on the thread pool so a hung volume costs the caller only its timeout. What is read back is
/// validated by the caller like a network response; a file over <see cref="MaxBytes"/> is an error, not a staple.
/// Lease expiry is wall-clock time: instances sharing a volume across hosts need synchronized clocks (NTP).
/// </remarks>
internal sealed class DirectoryStapleStore(string directory, int maxBytes, TimeProvider time) : IStapleStore
{
    /// <summary>Tries for the lease guard, a millisecond apart, before the lease counts as busy.</summary>
    private const int GuardAttempts = 50;

    public string Directory { get; } = directory;

    public int MaxBytes { get; } = maxBytes;

    public string PathFor(string key) => Path.Combine(Directory, CheckKey(key) + ".ocsp");

    private string LeasePath(string key) => Path.Combine(Directory, CheckKey(key) + ".lease");

    public ValueTask<byte[]?> LoadAsync(string key, CancellationToken cancellationToken) =>
        new(Task.Run(() => Load(key), cancellationToken));

    public ValueTask SaveAsync(string key, ReadOnlyMemory<byte> response, CancellationToken cancellationToken)
    {
        byte[] copy = response.ToArray();
        return new(Task.Run(() => Save(key, copy), cancellationToken));
    }

    public ValueTask<bool> TryAcquireLeaseAsync(string key, string owner, TimeSpan duration, CancellationToken cancellationToken) =>
        new(Task.Run(() => TryAcquire(key, owner, duration), cancellationToken));

    public ValueTask ReleaseLeaseAsync(string key, string owner, CancellationToken cancellationToken) =>
        new(Task.Run(() => Release(key, owner), cancellationToken));

    private byte[]? Load(string key)
    {
        string path = PathFor(key);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
            if (stream.Length > MaxBytes)
            {
                throw new IOException($"{path}: {stream.Length} bytes is larger than the {MaxBytes}-byte limit.");
            }

            byte[] bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    private void Save(string key, byte[] response)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string path = PathFor(key);
        string temp = $"{path}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                stream.Write(response);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private bool TryAcquire(string key, string owner, TimeSpan duration)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string path = LeasePath(key);
        using FileStream? guard = EnterGuard(path);
        if (guard is null)
        {
            return false; // another instance is deciding right now: it takes the lease or already holds it
        }

        DateTimeOffset now = time.GetUtcNow();
        (string? holder, DateTimeOffset expires) = ReadLease(path);
        if (holder is not null && holder != owner && expires > now)
        {
            return false;
        }

        // Free, expired (its holder died or stalled), or ours: (re)written whole in one rename, under the guard.
        WriteOwn(path, owner, now + duration);
        return true;
    }

    private void Release(string key, string owner)
    {
        string path = LeasePath(key);
        using FileStream? guard = EnterGuard(path);
        if (guard is not null && ReadLease(path).Owner == owner)
        {
            TryDelete(path);
        }
    }

    /// <summary>
    /// Every read-decide-write of a lease runs under an exclusive lock on <c>KEY.lease.lock</c>, which turns it into a
    /// compare-and-swap: files alone offer none (File.Move without overwrite checks, then renames, on Unix). The lock
    /// is the runtime's FileShare.None, an advisory flock on Unix, so the kernel drops it when its holder dies and no
    /// stale lock is ever broken by hand. It is held for one small read and one rename; a rival waits a few
    /// milliseconds for it, then reports the lease busy.
    /// </summary>
    private static FileStream? EnterGuard(string path)
    {
        string lockPath = path + ".lock";
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException ex) when (IsSharingViolation(ex) && attempt < GuardAttempts)
            {
                Thread.Sleep(1);
            }
            catch (IOException ex) when (IsSharingViolation(ex))
            {
                return null;
            }
        }
    }

    /// <summary>The lock is held by another handle (EWOULDBLOCK from flock on Unix; ERROR_SHARING_VIOLATION on Windows).</summary>
    private static bool IsSharingViolation(IOException ex) =>
        OperatingSystem.IsWindows() ? (ex.HResult & 0xFFFF) is 32 or 33 : ex.HResult is 11 or 35;

    private static (string? Owner, DateTimeOffset Expires) ReadLease(string path)
    {
        try
        {
            string[] parts = File.ReadAllText(path, Encoding.UTF8).Split('\n');
            if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long ms))
            {
                return (parts[0], DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(ms, 253402300799999)));
            }
        }
        catch (FileNotFoundException)
        {
            // no lease
        }

        return (null, DateTimeOffset.MinValue); // none, or junk: free (leases are written whole, in one rename)
    }

    private static void WriteOwn(string path, string owner, DateTimeOffset expires)
    {
        string temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temp, Encode(owner, expires));
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp); // a full or read-only volume must not collect one empty file per attempt
            throw;
        }
    }

    private static byte[] Encode(string owner, DateTimeOffset expires) =>
        Encoding.UTF8.GetBytes(owner + "\n" + expires.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "\n");

    private static string CheckKey(string key)
    {
        foreach (char c in key)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                throw new ArgumentException("A store key is lowercase hex.", nameof(key));
            }
        }

        return key;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
