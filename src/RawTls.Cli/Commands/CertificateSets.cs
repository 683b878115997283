using System.CommandLine.Parsing;

namespace RawTls.Cli.Commands;

/// <summary>
/// The certificate files given to <c>serve</c>: <c>--cert/--key/--chain</c> groups in command-line order
/// (each <c>--cert</c> starts one) and the subdirectories of <c>--cert-dir</c>.
/// </summary>
internal static class CertificateSets
{
    private static readonly (string Cert, string Key)[] s_certDirLayouts = [("leaf.pem", "leaf.key"), ("cert.pem", "key.pem")];

    /// <summary>Groups the <c>--cert</c>, <c>--key</c> and <c>--chain</c> tokens in the order they were given.</summary>
    public static List<(string Cert, string Key, string? Chain)> FromTokens(IReadOnlyList<Token> tokens)
    {
        var sets = new List<(string, string, string?)>();
        string? cert = null, key = null, chain = null;
        for (int i = 0; i + 1 < tokens.Count; i++)
        {
            if (tokens[i].Type != TokenType.Option)
            {
                continue;
            }

            string value = tokens[i + 1].Value;
            switch (tokens[i].Value)
            {
                case "--cert":
                    Flush();
                    cert = value;
                    break;
                case "--key":
                    if (cert is null || key is not null)
                    {
                        throw new CommandLineException("--key must follow its --cert");
                    }

                    key = value;
                    break;
                case "--chain":
                    if (cert is null || chain is not null)
                    {
                        throw new CommandLineException("--chain must follow its --cert (and --key)");
                    }

                    chain = value;
                    break;
            }
        }

        Flush();
        return sets;

        void Flush()
        {
            if (cert is null)
            {
                return;
            }

            if (key is null)
            {
                throw new CommandLineException($"--cert {cert} has no --key");
            }

            sets.Add((cert, key, chain));
            cert = key = chain = null;
        }
    }

    /// <summary>
    /// <c>--cert-dir DIR</c>: each subdirectory (in name order) holding leaf.pem/leaf.key[/chain.pem] or
    /// cert.pem/key.pem[/chain.pem] is one certificate.
    /// </summary>
    public static List<(string Cert, string Key, string? Chain)> ScanDirectory(string dir)
    {
        if (!Directory.Exists(dir))
        {
            throw new CommandLineException($"--cert-dir {dir}: no such directory");
        }

        var sets = new List<(string, string, string?)>();
        var subdirectories = Directory.GetDirectories(dir);
        Array.Sort(subdirectories, StringComparer.Ordinal);
        foreach (string sub in subdirectories)
        {
            string? chain = File.Exists(Path.Combine(sub, "chain.pem")) ? Path.GetFullPath(Path.Combine(sub, "chain.pem")) : null;
            foreach (var (certName, keyName) in s_certDirLayouts)
            {
                string cert = Path.Combine(sub, certName), key = Path.Combine(sub, keyName);
                if (File.Exists(cert) && File.Exists(key))
                {
                    sets.Add((Path.GetFullPath(cert), Path.GetFullPath(key), chain));
                    break;
                }
            }
        }

        return sets.Count > 0
            ? sets
            : throw new CommandLineException($"--cert-dir {dir}: no subdirectory holds leaf.pem + leaf.key or cert.pem + key.pem");
    }
}
