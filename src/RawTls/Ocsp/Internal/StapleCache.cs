using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RawTls.Ocsp.Internal;

/// <summary>
/// On-disk staple cache: one file per leaf, named by the leaf's SHA-256, written atomically (temp file,
/// then rename) so a crash never leaves a torn response. Whatever is read back is re-validated by the caller.
/// </summary>
internal sealed class StapleCache(string directory)
{
    public string Directory { get; } = directory;

    public string PathFor(X509Certificate2 leaf) =>
        Path.Combine(Directory, Convert.ToHexStringLower(SHA256.HashData(leaf.RawData)) + ".ocsp");

    /// <summary>The cached response, or null when there is none; throws IOException-family errors for the caller to log.</summary>
    public byte[]? TryLoad(X509Certificate2 leaf, int maxBytes)
    {
        string path = PathFor(leaf);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return null;
        }

        if (info.Length > maxBytes)
        {
            throw new IOException($"{path}: {info.Length} bytes is larger than the {maxBytes}-byte limit.");
        }

        return File.ReadAllBytes(path);
    }

    public void Save(X509Certificate2 leaf, ReadOnlySpan<byte> response)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string path = PathFor(leaf);
        string temp = path + "." + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
            {
                stream.Write(response);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            throw;
        }
    }
}
