namespace RawTls.Hosting.Internal;

/// <summary>
/// <see cref="RawTlsOptions.CertificateDirectory"/>: each subdirectory (in name order) holding leaf.pem + leaf.key or
/// cert.pem + key.pem, with an optional chain.pem, is one certificate (the layout <c>rawtls serve --cert-dir</c> reads).
/// </summary>
internal static class CertificateDirectory
{
    private static readonly (string Cert, string Key)[] s_layouts = [("leaf.pem", "leaf.key"), ("cert.pem", "key.pem")];

    /// <summary>Why the directory cannot be served, or null.</summary>
    public static string? Problem(string directory) =>
        !Directory.Exists(directory) ? $"directory '{Path.GetFullPath(directory)}' does not exist"
        : Scan(directory).Count == 0 ? $"no subdirectory of '{Path.GetFullPath(directory)}' holds leaf.pem + leaf.key or cert.pem + key.pem"
        : null;

    /// <summary>The certificate sets found, as full paths.</summary>
    public static List<(string Cert, string Key, string? Chain)> Scan(string directory)
    {
        var sets = new List<(string, string, string?)>();
        string[] subdirectories = Directory.GetDirectories(directory);
        Array.Sort(subdirectories, StringComparer.Ordinal);
        foreach (string sub in subdirectories)
        {
            string chainPath = Path.Combine(sub, "chain.pem");
            string? chain = File.Exists(chainPath) ? Path.GetFullPath(chainPath) : null;
            foreach (var (certName, keyName) in s_layouts)
            {
                string cert = Path.Combine(sub, certName), key = Path.Combine(sub, keyName);
                if (File.Exists(cert) && File.Exists(key))
                {
                    sets.Add((Path.GetFullPath(cert), Path.GetFullPath(key), chain));
                    break;
                }
            }
        }

        return sets;
    }
}
