namespace RawTls.Cli.Commands;

/// <summary>Routes <c>rawtls &lt;command&gt; ...</c> to its command.</summary>
internal static class CommandDispatcher
{
    internal const string Usage = """
        rawtls — a minimal, fast TLS server with OCSP stapling

        usage:
          rawtls serve [--listen HOST:PORT] [--data-dir DIR] [--cert FILE --key FILE [--chain FILE]]...
                       [--cert-dir DIR] [--protocol http|echo] [--handshake-timeout DURATION]
                       [--max-connections N] [--threads N] [--ocsp-url URL] [--staple-cache DIR]
                       [--stapling off|auto|require] [--watch on|off] [--tls 1.2|1.3] [--inline-completions]
                       [--proxy-protocol v1|v2|any --proxy-trusted CIDR...] [--staple-store STORE]
                       [--drain-delay DURATION]
          rawtls pki init --dir DIR [--ocsp-url URL] [--key ecdsa|rsa] [--must-staple]
          rawtls pki issue --dir DIR --name NAME [--name NAME ...] --out OUTDIR
          rawtls pki revoke --dir DIR --serial HEX
          rawtls ocsp-responder --pki DIR --listen HOST:PORT [--validity DURATION]
          rawtls check HOST:PORT [--ca FILE] [--servername NAME]

        serve certificates:
          --cert/--key/--chain  one set per certificate, repeated in that order; the first is the default
                                for clients that send no or an unknown server name
          --cert-dir DIR        each subdirectory of DIR (in name order) holding leaf.pem, leaf.key and
                                chain.pem (or cert.pem, key.pem and chain.pem) is one certificate
          without either, a development PKI in DATA-DIR/pki is served (created on first use)
          certificates are chosen by the client's server name (exact or one-label *. wildcard names
          from each certificate). Certificate files are watched: a change (or SIGHUP) reloads them
          once the new set is complete and valid; until then the current certificate keeps serving.
          --watch off           reload only on SIGHUP

        serve behind a balancer (see README "Running a fleet"):
          --proxy-protocol v1|v2|any  every connection starts with a PROXY header (HAProxy send-proxy-v2,
                                nginx proxy_protocol on); accepted only from --proxy-trusted networks
          --proxy-trusted CIDR  a balancer's network, e.g. 10.0.0.0/8 (repeatable)
          --staple-store STORE  staples shared by the fleet: redis://HOST:PORT[/DB], dir:PATH or a PATH;
                                one instance fetches per refresh, the others read and validate its response
          --drain-delay DURATION  on SIGTERM: /ready answers 503 for this long while still serving, then
                                the listener closes and open connections drain (default 0s)
          GET /whoami           answers the client address the server sees; GET /ready answers 200 or 503

        durations: 500ms, 10s, 5m, 2h, 7d (a bare number means seconds)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        try
        {
            var rest = args.AsSpan(1).ToArray();
            return args[0] switch
            {
                "serve" => await ServeCommand.RunAsync(CommandLine.Parse(rest, "inline-completions")).ConfigureAwait(false),
                "pki" => await PkiCommand.RunAsync(rest).ConfigureAwait(false),
                "ocsp-responder" => await OcspResponderCommand.RunAsync(CommandLine.Parse(rest)).ConfigureAwait(false),
                "check" => await CheckCommand.RunAsync(CommandLine.Parse(rest)).ConfigureAwait(false),
                _ => throw new CommandLineException($"unknown command '{args[0]}'"),
            };
        }
        catch (CommandLineException ex)
        {
            Console.Error.WriteLine($"rawtls: {ex.Message}");
            Console.Error.WriteLine("run 'rawtls --help' for usage");
            return 2;
        }
    }
}
