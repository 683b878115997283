using System.CommandLine;
using System.Net;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using RawTls.Cli.Commands.Operations;
using RawTls.Ocsp;
using RawTls.Server;
using RawTls.Stapling;

namespace RawTls.Cli.Commands;

/// <summary>
/// <c>rawtls serve</c>: a TLS server with an HTTP/1.1 (or echo) responder. Without <c>--cert</c> it serves
/// a development PKI from the data directory (created on first use) and runs a local OCSP responder for
/// it, so the very first handshake is stapled. Options are defined here; <see cref="ServeRunner"/> runs them.
/// </summary>
internal static class ServeCommand
{
    private static List<Option>? s_options;

    internal static readonly Option<IPEndPoint?> Listen = Define(CliOptions.EndPoint("--listen", "Address to listen on.", "127.0.0.1:8443"));
    internal static readonly Option<string?> DataDir = Define(CliOptions.Text("--data-dir", "DIR", "Where the development PKI and its staple cache live when no --cert or --cert-dir is given.", ".rawtls"));
    internal static readonly Option<string[]> Cert = Define(CliOptions.Repeated("--cert", "FILE", "Certificate (PEM); one --cert/--key[/--chain] set per certificate, in that order. The first is the default for clients that send no or an unknown server name.", Same));
    internal static readonly Option<string[]> Key = Define(CliOptions.Repeated("--key", "FILE", "Private key (PEM) of the --cert before it.", Same));
    internal static readonly Option<string[]> Chain = Define(CliOptions.Repeated("--chain", "FILE", "Intermediate certificates (PEM) of the --cert before it.", Same));
    internal static readonly Option<string?> CertDir = Define(CliOptions.Text("--cert-dir", "DIR", "Each subdirectory (in name order) holding leaf.pem, leaf.key and chain.pem (or cert.pem, key.pem and chain.pem) is one certificate."));
    internal static readonly Option<string> Protocol = Define(CliOptions.Choice("--protocol", "Protocol spoken after the handshake.", "http", ("http", "http"), ("echo", "echo")));
    internal static readonly Option<TimeSpan> HandshakeTimeout = Define(CliOptions.Duration("--handshake-timeout", "Time allowed from accept to handshake done.", "10s"));
    internal static readonly Option<TimeSpan> IdleTimeout = Define(CliOptions.Duration("--idle-timeout", "An established connection with no traffic for this long is closed.", "2m"));
    internal static readonly Option<int> MaxConnections = Define(CliOptions.Int("--max-connections", "Connections open at once", 10_000, 1, 1_000_000));
    internal static readonly Option<int> MaxHandshakes = Define(CliOptions.Int("--max-handshakes", "Handshakes in progress at once", 1_024, 1, 1_000_000));
    internal static readonly Option<int> Threads = Define(CliOptions.Int("--threads", "Accept loops per endpoint (without epoll; on Linux every I/O loop accepts)", 1, 1, 64));
    internal static readonly Option<Uri?> OcspUrl = Define(CliOptions.Value<Uri?>("--ocsp-url", "URL", "OCSP responder to ask instead of the certificate's AIA URL.", static (s, name) => ValueSyntax.ParseUrl(s, name, "http")));
    internal static readonly Option<string?> StapleCache = Define(CliOptions.Text("--staple-cache", "DIR", "Directory where validated staples persist across restarts (default DATA-DIR/staples with the development PKI)."));
    internal static readonly Option<StaplingMode> Stapling = Define(CliOptions.Choice("--stapling", "off: no stapling; auto: staple when a valid response is at hand; require: serve a certificate only with a valid staple.", "auto", ("off", StaplingMode.Off), ("auto", StaplingMode.Auto), ("require", StaplingMode.Require)));
    internal static readonly Option<LogLevel> Logging = Define(CliOptions.Choice("--log-level", "Least severe log level written.", "info", ("debug", LogLevel.Debug), ("info", LogLevel.Information), ("warning", LogLevel.Warning), ("error", LogLevel.Error)));
    internal static readonly Option<string> Watch = Define(CliOptions.Choice("--watch", "Reload certificate files when they change (off: only on SIGHUP).", "on", ("on", "on"), ("off", "off")));
    internal static readonly Option<SslProtocols> Tls = Define(CliOptions.Value("--tls", "1.2|1.3", "Offer only this TLS version (default: both).", static (s, _) => ParseTlsVersions(s)));
    internal static readonly Option<bool> InlineCompletions = Define(CliOptions.Flag("--inline-completions", "Without epoll (not Linux): run the protocol handler on the runtime socket engine's thread too (this server only; only for handlers that never block). On Linux handlers already run on RawTls's I/O threads."));
    internal static readonly Option<IPEndPoint?> Metrics = Define(CliOptions.EndPoint("--metrics", "Serve the RawTls meter in Prometheus text format on http://HOST:PORT/metrics."));
    internal static readonly Option<ProxyProtocolMode> ProxyProtocol = Define(CliOptions.Choice("--proxy-protocol", "Behind a balancer: every connection starts with a PROXY protocol header of this version (HAProxy send-proxy-v2, nginx proxy_protocol on), accepted only from --proxy-trusted networks; /whoami then answers the client's address.", null, ("v1", ProxyProtocolMode.V1), ("v2", ProxyProtocolMode.V2), ("any", ProxyProtocolMode.Any)));
    internal static readonly Option<IPNetwork[]> ProxyTrusted = Define(CliOptions.Repeated("--proxy-trusted", "CIDR", "A balancer's network allowed to send the PROXY header, e.g. 10.0.0.0/8 (repeatable; required with --proxy-protocol).", ServeFleetOptions.ParseNetwork));
    internal static readonly Option<string?> StapleStore = Define(CliOptions.Text("--staple-store", "STORE", "Staples shared by a fleet: redis://HOST:PORT[/DB], dir:PATH or a directory PATH. One instance fetches per refresh; the others read its response and validate it."));
    internal static readonly Option<TimeSpan> DrainDelay = Define(CliOptions.Duration("--drain-delay", "On SIGTERM: how long /ready answers 503 while still serving, before the listener closes and open connections drain.", "0s"));
    internal static readonly Option<AdminAddress?> Admin = Define(CliOptions.Value<AdminAddress?>("--admin", "ADDRESS", "Open the status endpoint read by 'rawtls status': a loopback HOST:PORT or a Unix socket path.", AdminAddress.Parse));

    public static Command Create()
    {
        var command = new Command("serve", "Serve TLS (HTTP/1.1 or echo) with OCSP stapling. Without --cert or --cert-dir a development PKI in DATA-DIR/pki is served (created on first use) with a local OCSP responder. Certificates are chosen by the client's server name; changed files (or SIGHUP) reload once the new set is complete and valid.");
        foreach (Option option in s_options!)
        {
            command.Add(option);
        }

        command.SetAction(static (result, _) => ServeRunner.RunAsync(result));
        return command;
    }

    /// <summary>Maps <c>--tls</c>: absent = the system's choice (1.2 and 1.3), <c>1.2</c> or <c>1.3</c> = only that version.</summary>
    internal static SslProtocols ParseTlsVersions(string? value) => value switch
    {
        null => SslProtocols.None,
        "1.2" => SslProtocols.Tls12,
        "1.3" => SslProtocols.Tls13,
        _ => throw new CommandLineException($"--tls must be 1.2 or 1.3, got '{value}'"),
    };

    private static T Define<T>(T option)
        where T : Option => CliOptions.Define(ref s_options, option);

    private static string Same(string value, string name) => value;
}
