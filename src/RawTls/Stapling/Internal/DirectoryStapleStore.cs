using System.Globalization;
using System.Text;

namespace RawTls.Stapling.Internal;

/// <summary>
/// A staple store in a directory, on one host or on a volume shared by a fleet: one <c>KEY.ocsp</c> file per leaf,
/// written to a unique temporary file and renamed over the old one (readers see the old bytes or the new, never a
/// mix); the fetch lease is a <c>KEY.lease</c> file created exclusively, holding its owner and expiry.
/// </summary>
/// <remarks>
/// File I/O runs on the thread pool so a hung volume costs the caller only its timeout. What is read back is
/// validated by the caller like a network response; a file over <see cref="MaxBytes"/> is an error, not a staple.
/// Lease expiry is wall-clock time: instances sharing a volume across hosts need synchronized clocks (NTP).
/// </remarks>
internal sealed class DirectoryStapleStore(string directory, int maxBytes, TimeProvider time) : IStapleStore
{
    /// <summary>How long an unparsable lease file counts as one being written (file-system time, not the lease clock).</summary>
    private static readonly TimeSpan PartialLeaseGrace = TimeSpan.FromSeconds(5);

    /// <summary>An own lease is extended in place only while it has at least this long to run.</summary>
    private static readonly TimeSpan OwnExtensionMargin = TimeSpan.FromSeconds(1);

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
        DateTimeOffset now = time.GetUtcNow();
        for (int attempt = 0; attempt < 2; attempt++)
        {
            if (TryCreate(path, Encode(owner, now + duration)))
            {
                return true;
            }

            (string? holder, DateTimeOffset expires) = ReadLease(path);
            if (holder == owner && expires > now + OwnExtensionMargin)
            {
                // Still ours, well before a rival could see it expired: extending it in place is safe. An expired
                // lease of ours is taken aside and raced for like anyone's, so the rewrite never clobbers a rival's.
                WriteOwn(path, owner, now + duration);
                return true;
            }

            if (expires > now)
            {
                return false;
            }

            // Expired (its holder died or stalled): move it aside and race once more for create-exclusive.
            TakeAside(path, holder, expires);
        }

        return false;
    }

    private void Release(string key, string owner)
    {
        string path = LeasePath(key);
        if (ReadLease(path).Owner == owner)
        {
            TryDelete(path);
        }
    }

    /// <summary>
    /// Removes an expired lease by renaming it (one renamer wins), then checks that what was moved is the expired
    /// lease read before; a fresh lease another instance created in between is put back. Files offer no
    /// compare-and-swap, so while a lease is put back a third racer can also win: the cost is one extra fetch, never a
    /// wrong staple (every response is validated on its own).
    /// </summary>
    private static void TakeAside(string path, string? holder, DateTimeOffset expires)
    {
        string aside = $"{path}.{Guid.NewGuid():N}.stale";
        try
        {
            File.Move(path, aside);
        }
        catch (FileNotFoundException)
        {
            return;
        }

        if (ReadLease(aside) != (holder, expires))
        {
            try
            {
                File.Move(aside, path, overwrite: false);
                return;
            }
            catch (IOException)
            {
            }
        }

        TryDelete(aside);
    }

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
            return (null, DateTimeOffset.MaxValue); // released between the exists check and the read: retry later
        }

        // Unparsable: a rival's lease between its create and its write (held), or a crash mid-write long ago (expired).
        return DateTime.UtcNow - File.GetLastWriteTimeUtc(path) < PartialLeaseGrace ? (null, DateTimeOffset.MaxValue) : (null, DateTimeOffset.MinValue);
    }

    /// <summary>
    /// Creates the lease exclusively (O_EXCL): of instances racing, exactly one succeeds. File.Move without overwrite is
    /// no substitute on Unix: it checks for the target, then renames, so two racers can both "win". The contents follow
    /// the create; a rival that reads the lease before they land sees a fresh, unparsable file and treats it as held.
    /// </summary>
    private static bool TryCreate(string path, byte[] contents)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        }
        catch (IOException ex) when (IsAlreadyExists(ex) || File.Exists(path))
        {
            return false;
        }

        using (stream)
        {
            stream.Write(contents);
        }

        return true;
    }

    /// <summary>
    /// The create failed because the file exists. Judged by the error code, not by looking again: the lease may be
    /// gone by then (released, or taken aside as expired), and a failed create is no store fault.
    /// </summary>
    private static bool IsAlreadyExists(IOException ex) =>
        OperatingSystem.IsWindows()
            ? (ex.HResult & 0xFFFF) is 80 or 183 // ERROR_FILE_EXISTS, ERROR_ALREADY_EXISTS
            : ex.HResult == 17; // EEXIST on Linux and macOS: the runtime reports the raw errno

    private static void WriteOwn(string path, string owner, DateTimeOffset expires)
    {
        string temp = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temp, Encode(owner, expires));
        File.Move(temp, path, overwrite: true);
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
