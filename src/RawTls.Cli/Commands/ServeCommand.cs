using System.Net;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using RawTls.Certificates;
using RawTls.Cli.Protocols;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Server;

namespace RawTls.Cli.Commands;

/// <summary>
/// <c>rawtls serve</c>: a TLS server with an HTTP/1.1 (or echo) responder. Without <c>--cert</c> it serves
/// a development PKI from the data directory (created on first use) and runs a local OCSP responder for
/// it, so the very first handshake is stapled.
/// </summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(CommandLine cl)
    {
        IPEndPoint listen = CommandLine.ParseEndPoint(cl.Get("listen") ?? "127.0.0.1:8443", "listen");
        string dataDir = Path.GetFullPath(cl.Get("data-dir") ?? ".rawtls");
        string protocol = cl.Get("protocol") ?? "http";
        if (protocol is not ("http" or "echo"))
        {
            throw new CommandLineException($"--protocol must be http or echo, got '{protocol}'");
        }

        TimeSpan handshakeTimeout = cl.GetDuration("handshake-timeout", TimeSpan.FromSeconds(10));
        TimeSpan idleTimeout = cl.GetDuration("idle-timeout", TimeSpan.FromMinutes(2));
        int maxConnections = cl.GetInt("max-connections", 10_000, 1, 1_000_000);
        int maxHandshakes = cl.GetInt("max-handshakes", 1_024, 1, 1_000_000);
        int threads = cl.GetInt("threads", 1, 1, 64);
        SslProtocols tls = ParseTlsVersions(cl.Get("tls"));
        if (cl.Flag("inline-completions"))
        {
            // Read once by the socket engine when the first socket is created, which is later than this line.
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }

        string? ocspUrlText = cl.Get("ocsp-url");
        Uri? ocspUrl = null;
        if (ocspUrlText is not null && (!Uri.TryCreate(ocspUrlText, UriKind.Absolute, out ocspUrl) || ocspUrl.Scheme != Uri.UriSchemeHttp))
        {
            throw new CommandLineException($"--ocsp-url must be an absolute http:// URL, got '{ocspUrlText}'");
        }

        string? stapleCache = cl.Get("staple-cache");
        StaplingMode stapling = cl.Get("stapling") switch
        {
            null or "auto" => StaplingMode.Auto,
            "off" => StaplingMode.Off,
            "require" => StaplingMode.Require,
            string other => throw new CommandLineException($"--stapling must be off, auto or require, got '{other}'"),
        };
        LogLevel logLevel = cl.Get("log-level") switch
        {
            null or "info" => LogLevel.Information,
            "debug" => LogLevel.Debug,
            "warning" => LogLevel.Warning,
            "error" => LogLevel.Error,
            string other => throw new CommandLineException($"--log-level must be debug, info, warning or error, got '{other}'"),
        };
        List<(string Cert, string Key, string? Chain)> sets = ParseCertificateSets(cl);
        bool watch = cl.Get("watch") switch
        {
            null or "on" => true,
            "off" => false,
            string other => throw new CommandLineException($"--watch must be on or off, got '{other}'"),
        };
        string? certDir = cl.Get("cert-dir");
        if (certDir is not null)
        {
            sets.AddRange(ScanCertificateDirectory(certDir));
        }

        ServeFleetOptions fleet = ServeFleetOptions.Parse(cl);
        cl.Get("cert");
        cl.Get("key");
        cl.Get("chain");
        cl.EnsureAllConsumed();

        using ILoggerFactory loggerFactory = LoggerFactory.Create(b => b
            .SetMinimumLevel(logLevel)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            }));

        var options = new TlsServerOptions
        {
            HandshakeTimeout = handshakeTimeout,
            IdleTimeout = idleTimeout,
            MaxConcurrentConnections = maxConnections,
            MaxConcurrentHandshakes = maxHandshakes,
            AcceptLoopsPerEndPoint = threads,
            EnabledProtocols = tls,
            LoggerFactory = loggerFactory,
        };
        fleet.AddEndPoint(options, listen);
        options.Stapling.Mode = stapling;

        OcspResponder? responder = null;
        DevCertificateAuthority? ca = null;
        string? rootPath = null;
        try
        {
            if (sets.Count == 0)
            {
                string pkiDir = Path.Combine(dataDir, "pki");
                (ca, bool created) = OpenDevPki(pkiDir);
                rootPath = Path.Combine(pkiDir, DevCertificateAuthority.RootCertFile);
                Console.WriteLine(created ? $"created a development PKI in {pkiDir}" : $"using the development PKI in {pkiDir}");
                if (stapling != StaplingMode.Off && ocspUrl is null)
                {
                    responder = OcspResponder.Start(ca, new OcspResponderOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
                    ocspUrl = responder.Url;
                    Console.WriteLine($"OCSP responder for it on {responder.Url}");
                }

                stapleCache ??= Path.Combine(dataDir, "staples");
                sets.Add((Path.Combine(pkiDir, "leaf.pem"), Path.Combine(pkiDir, "leaf.key"), Path.Combine(pkiDir, "chain.pem")));
            }

            await using RawTls.Redis.RedisStapleStore? store = fleet.ApplyStapleStore(options.Stapling, stapleCache);
            foreach (var (cert, key, chain) in sets)
            {
                var certificate = ServerCertificateOptions.FromPemFiles(cert, key, chain);
                certificate.OcspResponderUrl = ocspUrl;
                certificate.Watch = watch;
                options.Certificates.Add(certificate);
            }

            var readiness = new ServeReadiness(stapling == StaplingMode.Require);
            TlsConnectionHandler handler = protocol == "http"
                ? new ServeHttpHandler(new Http11ResponderOptions(Http11ResponderOptions.Default.Body) { Readiness = readiness }).HandleAsync
                : static connection => new ValueTask(EchoProtocol.RunAsync(connection.Transport, connection.ServerStopping));

            // Listen for SIGINT/SIGTERM before anything can be told the server is up.
            using var stopSignal = StopSignal.Register();
            await using var server = new TlsServer(options, handler);
            readiness.Attach(server);
            try
            {
                await server.StartAsync().ConfigureAwait(false);
            }
            catch (CertificateLoadException ex)
            {
                Console.Error.WriteLine($"rawtls serve: {ex.Message}");
                return 1;
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                Console.Error.WriteLine($"rawtls serve: cannot listen on {listen}: {ex.Message}");
                return 1;
            }

            // SIGHUP reloads the certificate files (its default action would end the process).
            using var reloadSignal = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                _ = ReloadAsync(server);
            });
            PrintBanner(server, rootPath, protocol);
            await stopSignal.Task.ConfigureAwait(false);
            Console.WriteLine("stopping...");
            await fleet.DrainAsync(server, readiness).ConfigureAwait(false);
            return 0;
        }
        finally
        {
            if (responder is not null)
            {
                await responder.DisposeAsync().ConfigureAwait(false);
            }

            ca?.Dispose();
        }
    }

    /// <summary>The process-wide switch that runs socket completions on the epoll thread instead of the thread pool.</summary>
    internal const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Maps <c>--tls</c>: absent = the system's choice (1.2 and 1.3), <c>1.2</c> or <c>1.3</c> = only that version.</summary>
    internal static SslProtocols ParseTlsVersions(string? value) => value switch
    {
        null => SslProtocols.None,
        "1.2" => SslProtocols.Tls12,
        "1.3" => SslProtocols.Tls13,
        _ => throw new CommandLineException($"--tls must be 1.2 or 1.3, got '{value}'"),
    };

    private static (DevCertificateAuthority Ca, bool Created) OpenDevPki(string pkiDir)
    {
        try
        {
            if (File.Exists(Path.Combine(pkiDir, DevCertificateAuthority.RootCertFile)))
            {
                return (DevCertificateAuthority.Load(pkiDir), false);
            }

            return (DevCertificateAuthority.Create(pkiDir), true);
        }
        catch (DevPkiException ex)
        {
            throw new CommandLineException($"development PKI in {pkiDir}: {ex.Message}");
        }
    }

    /// <summary>Groups --cert/--key/--chain in command-line order: each --cert starts a set.</summary>
    private static List<(string, string, string?)> ParseCertificateSets(CommandLine cl)
    {
        var sets = new List<(string, string, string?)>();
        string? cert = null, key = null, chain = null;
        foreach (var (name, value) in cl.Options)
        {
            switch (name)
            {
                case "cert":
                    Flush();
                    cert = value;
                    break;
                case "key":
                    if (cert is null || key is not null)
                    {
                        throw new CommandLineException("--key must follow its --cert");
                    }

                    key = value;
                    break;
                case "chain":
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

    private static async Task ReloadAsync(TlsServer server)
    {
        Console.WriteLine("SIGHUP: reloading certificates");
        try
        {
            foreach (CertificateReloadStatus status in await server.ReloadCertificatesAsync().ConfigureAwait(false))
            {
                Console.WriteLine(status.Error is null
                    ? $"reload: {status.Result.ToString().ToLowerInvariant()}, serving serial {status.SerialNumber}"
                    : $"reload: failed, still serving serial {status.SerialNumber}: {status.Error}");
            }
        }
        catch (InvalidOperationException)
        {
            // stopping
        }
    }

    /// <summary>
    /// <c>--cert-dir DIR</c>: each subdirectory (in name order) holding leaf.pem/leaf.key[/chain.pem] or
    /// cert.pem/key.pem[/chain.pem] is one certificate.
    /// </summary>
    private static List<(string, string, string?)> ScanCertificateDirectory(string dir)
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

    private static readonly (string Cert, string Key)[] s_certDirLayouts = [("leaf.pem", "leaf.key"), ("cert.pem", "key.pem")];

    private static void PrintBanner(TlsServer server, string? rootPath, string protocol)
    {
        IPEndPoint ep = server.LocalEndPoints[0];
        string host = ep.Address.Equals(IPAddress.Loopback) || ep.Address.Equals(IPAddress.Any) ? "localhost" : ep.Address.ToString();
        string url = $"https://{host}:{ep.Port}/";
        Console.WriteLine($"rawtls serving {protocol} on {url} (listening on {ep})");
        foreach (CertificateHolder holder in server.Certificates)
        {
            StapleStatus? s = holder.StaplingStatus;
            string staple = s?.Staple is { } st ? $"stapled {st.Status} until {st.NextUpdate:u}" : s is null ? "stapling off" : $"no staple yet ({s.LastResult ?? "pending"})";
            Console.WriteLine($"certificate {holder.Current.Leaf.Subject} serial {holder.Current.Leaf.SerialNumber}: {staple}");
        }

        string ca = rootPath is null ? "-k" : $"--cacert {rootPath}";
        if (rootPath is not null)
        {
            Console.WriteLine($"root certificate: {rootPath}");
        }

        Console.WriteLine();
        Console.WriteLine("try:");
        Console.WriteLine($"  curl {ca} {url}");
        Console.WriteLine($"  openssl s_client -connect 127.0.0.1:{ep.Port} -servername {host} -status {(rootPath is null ? string.Empty : $"-CAfile {rootPath}")} </dev/null");
        Console.WriteLine($"  dotnet run --project src/RawTls.Cli -- check 127.0.0.1:{ep.Port} --servername {host}{(rootPath is null ? string.Empty : $" --ca {rootPath}")}");
        Console.WriteLine($"  hey -n 20000 -c 50 -disable-keepalive {url}");
        Console.WriteLine($"  wrk -t1 -c32 -d10s {url}");
        Console.WriteLine("Ctrl+C stops.");
    }
}
