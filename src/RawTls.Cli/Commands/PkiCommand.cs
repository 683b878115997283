using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RawTls.DevPki;
using RawTls.Ocsp;

namespace RawTls.Cli.Commands;

/// <summary><c>rawtls pki init|issue|revoke</c>: manage a development PKI directory.</summary>
internal static class PkiCommand
{
    private static readonly Option<string> InitDir = CliOptions.RequiredText("--dir", "DIR", "Directory to create the PKI in.");
    private static readonly Option<Uri?> InitOcspUrl = CliOptions.Value<Uri?>("--ocsp-url", "URL", "OCSP URL written into the certificates' AIA extension.", static (s, name) => ValueSyntax.ParseUrl(s, name, "http", "https"));
    private static readonly Option<DevKeyAlgorithm> InitKey = CliOptions.Choice("--key", "Key algorithm of every certificate.", "ecdsa", ("ecdsa", DevKeyAlgorithm.EcdsaP256), ("rsa", DevKeyAlgorithm.Rsa2048));
    private static readonly Option<bool> InitMustStaple = CliOptions.Flag("--must-staple", "Mark the leaf OCSP Must-Staple (RFC 7633).");
    private static readonly Option<string> IssueDir = CliOptions.RequiredText("--dir", "DIR", "The PKI directory.");
    private static readonly Option<string[]> IssueNames = RequiredRepeated(CliOptions.Repeated("--name", "NAME", "DNS name or IP address for the leaf; repeat for more names.", static (s, _) => s));
    private static readonly Option<string> IssueOut = CliOptions.RequiredText("--out", "OUTDIR", "Directory to write leaf.pem, leaf.key and chain.pem to.");
    private static readonly Option<string> RevokeDir = CliOptions.RequiredText("--dir", "DIR", "The PKI directory.");
    private static readonly Option<string> RevokeSerial = CliOptions.RequiredText("--serial", "HEX", "Serial number of the certificate to revoke.");

    public static Command Create() => new("pki", "Manage a development PKI directory (root, intermediate, leaf, revocations).")
    {
        Sub(new Command("init", "Create a development PKI: root and intermediate CA, a leaf for localhost.") { InitDir, InitOcspUrl, InitKey, InitMustStaple }, Init),
        Sub(new Command("issue", "Issue a leaf for the given names from the PKI's intermediate.") { IssueDir, IssueNames, IssueOut }, Issue),
        Sub(new Command("revoke", "Revoke a certificate; a running OCSP responder answers REVOKED from then on.") { RevokeDir, RevokeSerial }, Revoke),
    };

    private static Command Sub(Command command, Func<ParseResult, int> run)
    {
        command.SetAction(result =>
        {
            try
            {
                return run(result);
            }
            catch (Exception ex) when (ex is DevPkiException or IOException or UnauthorizedAccessException or CryptographicException)
            {
                Console.Error.WriteLine($"rawtls: {ex.Message}");
                return 1;
            }
        });
        return command;
    }

    private static Option<string[]> RequiredRepeated(Option<string[]> option)
    {
        option.Required = true;
        return option;
    }

    private static int Init(ParseResult cl)
    {
        string dir = cl.GetValue(InitDir)!;
        Uri? ocspUrl = cl.GetValue(InitOcspUrl);
        DevKeyAlgorithm algorithm = cl.GetValue(InitKey);
        bool mustStaple = cl.GetValue(InitMustStaple);

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

    private static int Issue(ParseResult cl)
    {
        string dir = cl.GetValue(IssueDir)!;
        string[] names = cl.GetValue(IssueNames)!;
        string outDir = cl.GetValue(IssueOut)!;

        using var ca = DevCertificateAuthority.Load(dir);
        using X509Certificate2 leaf = ca.IssueLeaf(names, outDir);
        string full = Path.GetFullPath(outDir);
        Console.WriteLine($"issued serial {leaf.SerialNumber} for {string.Join(", ", names)} (valid until {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm}Z)");
        Console.WriteLine($"  {Path.Combine(full, DevCertificateAuthority.LeafCertFile)}");
        Console.WriteLine($"  {Path.Combine(full, DevCertificateAuthority.LeafKeyFile)}");
        Console.WriteLine($"  {Path.Combine(full, DevCertificateAuthority.ChainFile)}");
        return 0;
    }

    private static int Revoke(ParseResult cl)
    {
        string dir = cl.GetValue(RevokeDir)!;
        string serialArg = cl.GetValue(RevokeSerial)!;
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
        Console.WriteLine(before.Kind == OcspCertificateStatus.Revoked
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
