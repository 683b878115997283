using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RawTls.Certificates;
using RawTls.Ocsp;

namespace RawTls.Cli.Commands;

/// <summary>
/// <c>rawtls check HOST:PORT [--ca FILE] [--servername NAME] [--tls 1.2|1.3]</c>: connects, asks for the
/// staple, validates it like the server would and prints what it found. Exit 0: a valid GOOD staple that
/// matches the leaf; 1: no staple, or a staple that is invalid, revoked or unknown; 2: usage; 3: connection failed.
/// </summary>
internal static class CheckCommand
{
    private static readonly Argument<string> Target = new("HOST:PORT") { Description = "The server to connect to." };
    private static readonly Option<string?> Ca = CliOptions.Text("--ca", "FILE", "Trusted root certificates (PEM) to verify the chain against.");
    private static readonly Option<string?> ServerName = CliOptions.Text("--servername", "NAME", "Server name to send (SNI); default: HOST when it is a name.");
    private static readonly Option<SslProtocols> Tls = CliOptions.Choice("--tls", "Offer only this TLS version (default: both).", null, ("1.2", SslProtocols.Tls12), ("1.3", SslProtocols.Tls13));

    public static Command Create()
    {
        var command = new Command("check", "Connect, ask for the staple and validate it as the server would. Exit 0: a valid GOOD staple matching the leaf; 1: no staple, or an invalid, revoked or unknown one; 3: cannot connect.") { Target, Ca, ServerName, Tls };
        command.SetAction(static (result, _) => RunAsync(result));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult cl)
    {
        string target = cl.GetValue(Target)!;
        string? caPath = cl.GetValue(Ca);
        string? serverName = cl.GetValue(ServerName);
        SslProtocols protocols = cl.GetValue(Tls) is var only && only != SslProtocols.None ? only : SslProtocols.Tls12 | SslProtocols.Tls13;

        (string host, int port) = ValueSyntax.SplitHostPort(target);
        IPEndPoint endPoint = await ResolveAsync(host, port).ConfigureAwait(false);
        serverName ??= IPAddress.TryParse(host, out _) ? null : host;

        X509Certificate2Collection? trust = null;
        if (caPath is not null)
        {
            trust = [];
            try
            {
                trust.ImportFromPemFile(caPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new CommandLineException($"--ca {caPath}: {ex.Message}");
            }
        }

        StapleProbeResult probe;
        try
        {
            probe = await StapleProbe.ProbeAsync(endPoint, new StapleProbeOptions { ServerName = serverName, Protocols = protocols }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or TimeoutException)
        {
            Console.Error.WriteLine($"rawtls check: {target}: {ex.Message}");
            return 3;
        }

        var chain = probe.ServerCertificateChain.Select(X509CertificateLoader.LoadCertificate).ToList();
        X509Certificate2 leaf = chain[0];
        Console.WriteLine($"server       {target}{(serverName is null ? string.Empty : $" (SNI {serverName})")}");
        Console.WriteLine($"tls          {Version(probe.NegotiatedProtocol)}, cipher 0x{probe.CipherSuite:X4}");
        Console.WriteLine($"leaf         {leaf.Subject}, serial {leaf.SerialNumber}, expires {leaf.NotAfter.ToUniversalTime():u}");

        X509Certificate2? issuer = chain.Skip(1).FirstOrDefault(c => c.SubjectName.RawData.AsSpan().SequenceEqual(leaf.IssuerName.RawData))
            ?? trust?.FirstOrDefault(c => c.SubjectName.RawData.AsSpan().SequenceEqual(leaf.IssuerName.RawData));
        Console.WriteLine($"issuer       {(issuer is null ? $"{leaf.Issuer} (not sent by the server and not in --ca: the staple cannot be verified)" : issuer.Subject)}");
        if (trust is not null)
        {
            Console.WriteLine($"chain        {(ChainIsTrusted(chain, trust) ? "trusted by --ca" : "NOT trusted by --ca")}");
        }

        if (probe.OcspResponse is null)
        {
            Console.WriteLine("staple       none (the server sent no OCSP response)");
            return 1;
        }

        Console.WriteLine($"staple       {probe.OcspResponse.Length} bytes");
        if (issuer is null)
        {
            return 1;
        }

        var validator = new OcspResponseValidator(leaf, issuer);
        OcspValidationResult result = validator.Validate(probe.OcspResponse);
        Console.WriteLine($"status       {result.Verdict.ToString().ToUpperInvariant()}{(result.Verdict == OcspVerdict.Rejected ? $" ({result.RejectReason}: {result.Message})" : string.Empty)}");
        if (result.ThisUpdate is { } thisUpdate)
        {
            Console.WriteLine($"thisUpdate   {thisUpdate:u}");
        }

        if (result.NextUpdate is { } nextUpdate)
        {
            Console.WriteLine($"nextUpdate   {nextUpdate:u}{(result.IsNextUpdateClamped ? " (clamped to the certificate's expiry)" : string.Empty)}");
        }

        if (result.RevocationTime is { } revoked)
        {
            Console.WriteLine($"revoked at   {revoked:u}{(result.RevocationReason is { } reason ? $" ({reason})" : string.Empty)}");
        }

        if (result.ResponderId is { } responder)
        {
            Console.WriteLine($"responder    {responder}");
        }

        bool matches = result.RejectReason != OcspRejectReason.CertIdMismatch && result.Verdict != OcspVerdict.Rejected;
        Console.WriteLine($"matches leaf {(matches ? "yes" : "no")}");
        return result.Verdict == OcspVerdict.Good ? 0 : 1;
    }

    private static bool ChainIsTrusted(List<X509Certificate2> chain, X509Certificate2Collection trust)
    {
        using var x = new X509Chain();
        x.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        x.ChainPolicy.CustomTrustStore.AddRange(trust);
        x.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        x.ChainPolicy.ExtraStore.AddRange(chain.Skip(1).ToArray());
        return x.Build(chain[0]);
    }

    private static string Version(SslProtocols p) => p == SslProtocols.Tls13 ? "TLS 1.3" : p == SslProtocols.Tls12 ? "TLS 1.2" : p.ToString();

    private static async Task<IPEndPoint> ResolveAsync(string host, int port)
    {
        if (IPAddress.TryParse(host, out IPAddress? ip))
        {
            return new IPEndPoint(ip, port);
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        try
        {
            IPAddress[] addresses = await Dns.GetHostAddressesAsync(host).ConfigureAwait(false);
            return new IPEndPoint(addresses[0], port);
        }
        catch (SocketException ex)
        {
            throw new CommandLineException($"cannot resolve '{host}': {ex.Message}");
        }
    }
}
