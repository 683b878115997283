using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using RawTls.Certificates;
using RawTls.Cli.Commands.Operations;
using RawTls.Cli.Protocols;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Server;
using RawTls.Stapling;

namespace RawTls.Cli.Commands;

/// <summary>Runs <c>rawtls serve</c> from its parsed options until SIGINT or SIGTERM.</summary>
internal static class ServeRunner
{
    public static async Task<int> RunAsync(ParseResult cl)
    {
        NativeHeap.CapArenas(2); // before the server's threads exist: 6 arena mappings instead of 15 under handshake load (soak)
        using var trimmer = new NativeHeapTrimmer(TimeProvider.System);
        IPEndPoint listen = cl.GetValue(ServeCommand.Listen)!;
        string dataDir = Path.GetFullPath(cl.GetValue(ServeCommand.DataDir)!);
        string protocol = cl.GetValue(ServeCommand.Protocol)!;
        StaplingMode stapling = cl.GetValue(ServeCommand.Stapling);
        Uri? ocspUrl = cl.GetValue(ServeCommand.OcspUrl);
        string? stapleCache = cl.GetValue(ServeCommand.StapleCache);
        bool watch = cl.GetValue(ServeCommand.Watch) == "on";
        bool inlineHandlers = cl.GetValue(ServeCommand.InlineCompletions); // this server only: TlsServerOptions.UnsafeInlineHandlers

        ServeFleetOptions fleet = ServeFleetOptions.From(cl);
        List<(string Cert, string Key, string? Chain)> sets = CertificateSets.FromTokens(cl.Tokens);
        if (cl.GetValue(ServeCommand.CertDir) is { } certDir)
        {
            sets.AddRange(CertificateSets.ScanDirectory(certDir));
        }

        using ILoggerFactory loggerFactory = LoggerFactory.Create(b => b
            .SetMinimumLevel(cl.GetValue(ServeCommand.Logging))
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            }));

        var options = new TlsServerOptions
        {
            HandshakeTimeout = cl.GetValue(ServeCommand.HandshakeTimeout),
            IdleTimeout = cl.GetValue(ServeCommand.IdleTimeout),
            MaxConcurrentConnections = cl.GetValue(ServeCommand.MaxConnections),
            MaxConcurrentHandshakes = cl.GetValue(ServeCommand.MaxHandshakes),
            AcceptLoopsPerEndPoint = cl.GetValue(ServeCommand.Threads),
            EnabledProtocols = cl.GetValue(ServeCommand.Tls),
            LoggerFactory = loggerFactory,
            UnsafeInlineHandlers = inlineHandlers,
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

            // Before the start, so the meter is observed from the first OCSP fetch on.
            await using OperationsHost? operations = await StartOperationsAsync(cl, server).ConfigureAwait(false);
            if (operations is null && (cl.GetValue(ServeCommand.Metrics) is not null || cl.GetValue(ServeCommand.Admin) is not null))
            {
                return 1;
            }

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
                _ = ServeBanner.ReloadAsync(server);
            });
            ServeBanner.Print(server, rootPath, protocol, operations);
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

    /// <summary>Opens <c>--metrics</c> and <c>--admin</c> when asked; null when neither was asked or one failed (reported).</summary>
    private static async Task<OperationsHost?> StartOperationsAsync(ParseResult cl, TlsServer server)
    {
        IPEndPoint? metrics = cl.GetValue(ServeCommand.Metrics);
        AdminAddress? admin = cl.GetValue(ServeCommand.Admin);
        if (metrics is null && admin is null)
        {
            return null;
        }

        try
        {
            return await OperationsHost.StartAsync(metrics, admin, server.GetStatus).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            Console.Error.WriteLine($"rawtls serve: cannot open {(metrics is null ? $"--admin {admin}" : admin is null ? $"--metrics {metrics}" : $"--metrics {metrics} / --admin {admin}")}: {ex.Message}");
            return null;
        }
    }

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
}
