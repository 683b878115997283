using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using RawTls.Certificates;
using RawTls.Ocsp;
using RawTls.Stapling;

namespace RawTls.Server;

/// <summary>Settings of a <see cref="TlsServer"/>. Validated and copied by <see cref="TlsServer.StartAsync"/>: later changes do not reach a running server.</summary>
public sealed partial class TlsServerOptions
{
    /// <summary>Addresses to listen on. Port 0 picks a free port (see <see cref="TlsServer.LocalEndPoints"/>).</summary>
    public IList<IPEndPoint> EndPoints { get; } = new List<IPEndPoint>();

    /// <summary>The certificates to serve. The first is the default for clients that send no or an unknown server name.</summary>
    public IList<ServerCertificateOptions> Certificates { get; } = new List<ServerCertificateOptions>();

    /// <summary>OCSP stapling settings shared by all certificates.</summary>
    public StaplingOptions Stapling { get; set; } = new();

    /// <summary>Watching, reloading and expiry warnings of file-based certificates.</summary>
    public CertificateReloadOptions Reload { get; set; } = new();

    /// <summary>What to do with a client whose server name matches no certificate. Default: serve the default certificate.</summary>
    public UnknownServerNamePolicy UnknownServerName { get; set; } = UnknownServerNamePolicy.UseDefaultCertificate;

    /// <summary>A handshake not finished within this time is aborted. Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>An established connection that has not read anything for this long is closed. Default 2 min; zero or infinite disables it.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Connections (handshaking or established) beyond this are closed at accept. Default 10,000.</summary>
    public int MaxConcurrentConnections { get; set; } = 10_000;

    /// <summary>Handshakes in progress beyond this are refused at accept. Default 1,024.</summary>
    public int MaxConcurrentHandshakes { get; set; } = 1_024;

    /// <summary>The listen backlog. Default 512.</summary>
    public int ListenBacklog { get; set; } = 512;

    /// <summary>Accept loops per endpoint on the runtime socket engine (the fallback transport). Default 1; more only helps with many cores. The epoll transport accepts on each of its loops.</summary>
    public int AcceptLoopsPerEndPoint { get; set; } = 1;

    /// <summary>ALPN protocols offered, in preference order. Empty: no ALPN.</summary>
    public IList<SslApplicationProtocol> ApplicationProtocols { get; } = new List<SslApplicationProtocol>();

    /// <summary>Enabled TLS versions. <see cref="SslProtocols.None"/> (default) lets the system choose (TLS 1.2 and 1.3).</summary>
    public SslProtocols EnabledProtocols { get; set; } = SslProtocols.None;

    /// <summary>Whether clients are asked for a certificate.</summary>
    public ClientCertificateMode ClientCertificateMode { get; set; } = ClientCertificateMode.NoCertificate;

    /// <summary>Validates client certificates when <see cref="ClientCertificateMode"/> asks for them. Null: the system's chain validation.</summary>
    public RemoteCertificateValidationCallback? ClientCertificateValidation { get; set; }

    /// <summary>Allow TLS session resumption (default true; turning it off makes full handshakes about 30 % dearer).</summary>
    public bool AllowTlsResume { get; set; } = true;

    /// <summary>
    /// Only where the epoll transport is unavailable (not Linux, or its startup check failed) and connections use the
    /// runtime's socket engine: run handler code on that engine's thread too, not only accept and the handshake. This
    /// saves a thread-pool hop per request but is unsafe for any handler that can block: a handler that waits
    /// synchronously (a lock, <c>Task.Wait</c>, file or database I/O, a long computation) stalls every connection whose
    /// socket belongs to that engine thread — in practice every connection of every server in the process. Default
    /// false: handlers run on the thread pool. The epoll transport, the default on Linux, already runs handlers on its
    /// loop threads and rescues a loop whose thread a handler holds, so this option changes nothing there.
    /// </summary>
    public bool UnsafeInlineHandlers { get; set; }

    /// <summary>Test hook: behave as if the runtime's per-socket inline switch were missing (the thread-pool fallback).</summary>
    internal bool SimulateInlineUnavailable { get; set; }

    /// <summary>Test hook: behave as if epoll were unavailable (connections on the runtime's socket engine).</summary>
    internal bool SimulateEpollUnavailable { get; set; }

    /// <summary>Test hook: behave as if the cipher preference adapter were unavailable (the runtime's suite order).</summary>
    internal bool SimulateCipherPreferenceUnavailable { get; set; }

    /// <summary>How long <see cref="TlsServer.StopAsync(CancellationToken)"/> lets connections drain before aborting them. Default 5 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Buffer pool for the connection pipes. Null: the shared pool.</summary>
    public MemoryPool<byte>? MemoryPool { get; set; }

    /// <summary>Logging. Null: no logs.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Creates the <c>RawTls</c> meter (e.g. a host's <see cref="System.Diagnostics.Metrics.IMeterFactory"/>). Null: a standalone meter.</summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; set; }

    /// <summary>Clock for OCSP validity checks and refresh schedules (socket timeouts use real time). Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Settings of endpoints in <see cref="EndPoints"/> that need more than an address (PROXY protocol), keyed by the
    /// endpoint instance held in <see cref="EndPoints"/> (so two port-0 endpoints stay apart). An endpoint without an
    /// entry takes the defaults. <see cref="Listen(IPAddress, int, Action{ListenOptions})"/> fills both.
    /// </summary>
    public IDictionary<IPEndPoint, ListenOptions> EndPointOptions { get; } = new Dictionary<IPEndPoint, ListenOptions>(ReferenceEqualityComparer.Instance);

    /// <summary>Adds an endpoint to listen on.</summary>
    public TlsServerOptions Listen(IPAddress address, int port)
    {
        EndPoints.Add(new IPEndPoint(address, port));
        return this;
    }

    /// <summary>Adds an endpoint to listen on with its own settings, e.g. the PROXY protocol behind a balancer.</summary>
    /// <example>
    /// <code>
    /// options.Listen(IPAddress.Any, 8443, listen =>
    /// {
    ///     listen.ProxyProtocol = ProxyProtocolMode.V2;
    ///     listen.ProxyTrustedNetworks.Add(IPNetwork.Parse("10.0.0.0/8"));
    /// });
    /// </code>
    /// </example>
    public TlsServerOptions Listen(IPAddress address, int port, Action<ListenOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var endPoint = new IPEndPoint(address, port);
        var listen = new ListenOptions();
        configure(listen);
        EndPoints.Add(endPoint);
        EndPointOptions[endPoint] = listen;
        return this;
    }
}
