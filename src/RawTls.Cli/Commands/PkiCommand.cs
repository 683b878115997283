using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RawTls.DevPki;

namespace RawTls.Cli.Commands;

/// <summary><c>rawtls pki init|issue|revoke</c>: manage a development PKI directory.</summary>
internal static class PkiCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            throw new CommandLineException("pki needs a subcommand: init, issue or revoke");
        }

        string sub = args[0];
        CommandLine cl = CommandLine.Parse(args[1..], "must-staple");
        Func<CommandLine, int> run = sub switch
        {
            "init" => Init,
            "issue" => Issue,
            "revoke" => Revoke,
            _ => throw new CommandLineException($"unknown pki subcommand '{sub}' (expected init, issue or revoke)"),
        };
        if (cl.Positionals.Count > 0)
        {
            throw new CommandLineException($"unexpected argument '{cl.Positionals[0]}'");
        }

        try
        {
            return Task.FromResult(run(cl));
        }
        catch (Exception ex) when (ex is DevPkiException or IOException or UnauthorizedAccessException or CryptographicException)
        {
            Console.Error.WriteLine($"rawtls: {ex.Message}");
            return Task.FromResult(1);
        }
    }

    private static int Init(CommandLine cl)
    {
        string dir = cl.Require("dir");
        string? url = cl.Get("ocsp-url");
        string key = cl.Get("key") ?? "ecdsa";
        bool mustStaple = cl.Flag("must-staple");
        cl.EnsureAllConsumed();

        Uri? ocspUrl = null;
        if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out ocspUrl) || ocspUrl.Scheme is not ("http" or "https")))
        {
            throw new CommandLineException($"--ocsp-url: '{url}' is not an http:// URL");
        }

        DevKeyAlgorithm algorithm = key switch
        {
            "ecdsa" => DevKeyAlgorithm.EcdsaP256,
            "rsa" => DevKeyAlgorithm.Rsa2048,
            _ => throw new CommandLineException($"--key must be ecdsa or rsa, got '{key}'"),
        };

        using var ca = DevCertificateAuthority.Create(dir, new DevPkiOptions { KeyAlgorithm = algorithm, OcspUrl = ocspUrl, MustStaple = mustStaple });
        string full = ca.Directory!;
        Console.WriteLine($"created PKI in {full} ({(algorithm == DevKeyAlgorithm.Rsa2048 ? "RSA-2048" : "ECDSA P-256")}{(mustStaple ? ", must-staple" : "")}{(ocspUrl is null ? "" : $", OCSP {ocspUrl}")})");
        Console.WriteLine($"  {DevCertificateAuthority.RootCertFile,-18} root CA            {ca.Root.Subject}");
        Console.WriteLine($"  {DevCertificateAuthority.IntermediateCertFile,-18} intermediate CA    {ca.Intermediate.Subject}");
        Console.WriteLine($"  {DevCertificateAuthority.ChainFile,-18} chain (intermediate)");
        Console.WriteLine($"  {DevCertificateAuthority.LeafCertFile,-18} leaf               serial {ca.Leaf.SerialNumber}, {Names(ca.Leaf)}");
        Console.WriteLine($"  {DevCertificateAuthority.LeafKeyFile,-18} leaf private key (PKCS#8)");
        Console.WriteLine($"  {DevCertificateAuthority.RootKeyFile}, {DevCertificateAuthority.IntermediateKeyFile}, {DevCertificateAuthority.StateFile}  CA keys and issued/revoked state");
        return 0;
    }

    private static int Issue(CommandLine cl)
    {
        string dir = cl.Require("dir");
        List<string> names = cl.GetAll("name");
        string outDir = cl.Require("out");
        cl.EnsureAllConsumed();
        if (names.Count == 0)
        {
            throw new CommandLineException("option --name is required (repeat it for more names)");
        }

        using var ca = DevCertificateAuthority.Load(dir);
        using X509Certificate2 leaf = ca.IssueLeaf(names, outDir);
        string full = Path.GetFullPath(outDir);
        Console.WriteLine($"issued serial {leaf.SerialNumber} for {string.Join(", ", names)} (valid until {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm}Z)");
        Console.WriteLine($"  {Path.Combine(full, DevCertificateAuthority.LeafCertFile)}");
        Console.WriteLine($"  {Path.Combine(full, DevCertificateAuthority.LeafKeyFile)}");
        Console.WriteLine($"  {Path.Combine(full, DevCertificateAuthority.ChainFile)}");
        return 0;
    }

    private static int Revoke(CommandLine cl)
    {
        string dir = cl.Require("dir");
        string serialArg = cl.Require("serial");
        cl.EnsureAllConsumed();
        string serial;
        try
        {
            serial = DevCertificateAuthority.NormalizeSerial(serialArg);
        }
        catch (DevPkiException ex)
        {
            throw new CommandLineException($"--serial: {ex.Message}");
        }

        using var ca = DevCertificateAuthority.Load(dir);
        RevocationStatus before = ca.GetStatus(serial);
        RevocationStatus status = ca.Revoke(serial);
        Console.WriteLine(before.Kind == RevocationStatusKind.Revoked
            ? $"serial {serial} was already revoked at {status.RevokedAt:u}"
            : $"revoked serial {serial} at {status.RevokedAt:u}");
        return 0;
    }

    private static string Names(X509Certificate2 cert)
    {
        var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        return san is null ? cert.Subject : string.Join(", ", san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(a => a.ToString())));
    }
}
