using System.Security.Cryptography;

namespace RawTls.Certificates;

/// <summary>
/// The bytes of a certificate's files read once, with a hash of them all: loading works from this snapshot, so what
/// is checked is exactly what was hashed, and an unchanged hash means there is nothing to reload.
/// </summary>
internal sealed class CertificateFiles
{
    private readonly Dictionary<string, byte[]> _contents;

    private CertificateFiles(Dictionary<string, byte[]> contents, byte[] hash)
    {
        _contents = contents;
        Hash = hash;
    }

    /// <summary>SHA-256 over every file's path and bytes.</summary>
    public byte[] Hash { get; }

    /// <summary>Reads every file of <paramref name="source"/>; a missing or unreadable one fails naming the file.</summary>
    public static CertificateFiles Read(ServerCertificateOptions source)
    {
        var contents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string path in source.Files)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CertificateLoadException($"{path}: cannot read the {Describe(source, path)} file ({ex.Message})", ex);
            }

            contents[path] = bytes;
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(path));
            hash.AppendData(BitConverter.GetBytes(bytes.LongLength));
            hash.AppendData(bytes);
        }

        return new CertificateFiles(contents, hash.GetHashAndReset());
    }

    /// <summary>A cheap signature of the files' metadata (existence, size, modification time) for polling.</summary>
    public static int Stamp(ServerCertificateOptions source)
    {
        var hash = new HashCode();
        foreach (string path in source.Files)
        {
            var info = new FileInfo(path);
            hash.Add(info.Exists);
            if (info.Exists)
            {
                hash.Add(info.Length);
                hash.Add(info.LastWriteTimeUtc.Ticks);
            }
        }

        return hash.ToHashCode();
    }

    public byte[] Bytes(string path) => _contents[path];

    public string Text(string path) => System.Text.Encoding.UTF8.GetString(_contents[path]);

    private static string Describe(ServerCertificateOptions source, string path) =>
        path == source.KeyPath ? "private key" : path == source.ChainPath ? "chain" : path == source.PfxPath ? "PKCS#12" : "certificate";
}
