using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RawTls.Certificates;
using RawTls.Diagnostics;
using RawTls.Internal.Runtime;
using RawTls.Server.Internal;
using RawTls.Server.Internal.Epoll;

namespace RawTls.Server;

/// <summary>
/// A TLS server: accepts sockets, authenticates each with <see cref="SslStream"/> using the current stapled
/// certificate context, and runs the <see cref="TlsConnectionHandler"/> over an <see cref="IDuplexPipe"/>.
/// </summary>
/// <example>
/// <code>
/// var options = new TlsServerOptions().Listen(IPAddress.Loopback, 8443);
/// options.Certificates.Add(ServerCertificateOptions.FromPemFiles("leaf.pem", "leaf.key", "chain.pem"));
/// await using var server = new TlsServer(options, static async connection =>
/// {
///     var result = await connection.Transport.Input.ReadAsync();
///     // ... parse result.Buffer, write to connection.Transport.Output ...
/// });
/// await server.StartAsync();
/// </code>
/// </example>
public sealed partial class TlsServer : IAsyncDisposable
{
    internal const int CloseTimeoutMilliseconds = 5_000;
    internal const int RefusalReportIntervalMilliseconds = 10_000;
    private const int MaxPooledStreams = 1_024;

    private TlsServerOptions _options; // the caller's until StartAsync, then the validated copy
    private readonly ILogger _logger;
    private readonly ConnectionTable<TlsServerConnection> _table;
    private readonly System.Collections.Concurrent.ConcurrentQueue<TransportStream> _streamPool = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Socket> _listeners = [];
    private readonly List<ProxyProtocolSettings?> _listenerProxies = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly long _handshakeTimeoutMs;
    private readonly RefusalLog _refusals = new(Environment.TickCount64);
    private bool _inlineHandshakes;
    private EpollTransport? _epoll;
    private CertificateSet? _certificates;
    private ITimer? _heartbeat;
    private TaskCompletionSource? _drained;
    private int _handshaking;
    private int _pooledStreams;
    private int _state; // 0 new, 1 starting, 2 running, 3 stopping, 4 stopped

    /// <summary>Creates a server; nothing is bound until <see cref="StartAsync"/>.</summary>
    public TlsServer(TlsServerOptions options, TlsConnectionHandler handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        if (options.MaxConcurrentConnections <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxConcurrentConnections must be positive.");
        }

        _options = options;
        Handler = handler;
        _logger = options.LoggerFactory?.CreateLogger("RawTls.Server") ?? NullLogger.Instance;
        _table = new ConnectionTable<TlsServerConnection>(options.MaxConcurrentConnections);
        _handshakeTimeoutMs = options.HandshakeTimeout <= TimeSpan.Zero || options.HandshakeTimeout == Timeout.InfiniteTimeSpan
            ? 0
            : (long)Math.Max(1, options.HandshakeTimeout.TotalMilliseconds);
        Metrics = new RawTlsMetrics(RawTlsMetrics.CreateMeter(options.MeterFactory));
        var pool = options.MemoryPool;
        ReaderOptions = new StreamPipeReaderOptions(pool, bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true);
        WriterOptions = new StreamPipeWriterOptions(pool, minimumBufferSize: 4096, leaveOpen: true);
    }

    /// <summary>The addresses actually bound (port 0 resolved), available after <see cref="StartAsync"/>.</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints { get; private set; } = [];

    /// <summary>The served certificates, in configuration order (the first is the default).</summary>
    public IReadOnlyList<CertificateHolder> Certificates => _certificates?.Certificates ?? [];

    /// <summary>The certificate set the server serves from (status, per-certificate reload), available after <see cref="StartAsync"/>.</summary>
    public CertificateSet? CertificateSet => _certificates;

    /// <summary>The meter with this server's instruments (name <c>RawTls</c>).</summary>
    public System.Diagnostics.Metrics.Meter Meter => Metrics.Meter;

    internal RawTlsMetrics Metrics { get; }

    /// <summary>A snapshot of connection counters and each certificate's stapling state.</summary>
    public ServerStatus GetStatus() => new()
    {
        ActiveConnections = Metrics.Active,
        AcceptedConnections = Metrics.Accepted,
        RejectedConnections = Metrics.Rejected,
        HandshakesCompleted = Metrics.HandshakesCompleted,
        HandshakesFailed = Metrics.HandshakesFailed,
        Certificates = _certificates?.GetStatus().Certificates ?? [],
    };

    internal TlsConnectionHandler Handler { get; }

    /// <summary>The selector now: one volatile read, replaced whole when a reload changes a certificate's names.</summary>
    internal CertificateSelector Selector => _certificates!.Selector;

    internal StreamPipeReaderOptions ReaderOptions { get; }

    internal StreamPipeWriterOptions WriterOptions { get; }

    internal CancellationToken StoppingToken => _stopping.Token;

    /// <summary>The epoll transport, when it runs this server's connections (decided in <see cref="StartAsync"/>).</summary>
    internal EpollTransport? Epoll => _epoll;

    /// <summary>Whether accept (and, without epoll, handshakes) run on the socket engine's thread.</summary>
    internal bool InlineHandshakes => _inlineHandshakes;

    /// <summary>Handshakes clear the server-preference flag of the runtime's SSL_CTX (the startup check passed).</summary>
    internal bool FollowClientCipherOrder { get; private set; }

    /// <summary>Whether handler code runs on the socket engine's thread too (<see cref="TlsServerOptions.UnsafeInlineHandlers"/>; runtime transport only).</summary>
    internal bool InlineHandlers => _epoll is null && _inlineHandshakes && _options.UnsafeInlineHandlers;

    /// <summary>
    /// Loads the certificates, obtains their first OCSP staples (bounded wait), binds the listeners and
    /// starts accepting. Throws if a certificate cannot be loaded or an endpoint cannot be bound.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The server was already started.");
        }

        try
        {
            _options = _options.ValidatedCopy();
        }
        catch
        {
            Volatile.Write(ref _state, 0);
            throw;
        }

        (bool inlineOk, string? inlineProblem) = _options.SimulateInlineUnavailable
            ? (false, "simulated: adapter disabled for testing")
            : await InlineCompletionCheck.ResultAsync().ConfigureAwait(false);
        if (!inlineOk)
        {
            Log.InlineCompletionsUnavailable(_logger, inlineProblem ?? "unknown");
        }

        _inlineHandshakes = InlinePolicy.InlineHandshakes(inlineOk, _options.ClientCertificateMode, Environment.ProcessorCount, InlinePolicy.SocketEngines());
        long proxyTimeoutMs = CreateProxySettings();
        _certificates = await CertificateSet.StartAsync(_options.CertificateSetView(CreateTemplate()), Metrics, cancellationToken).ConfigureAwait(false);
        (bool cipherOk, string? cipherProblem) = await CipherPreferenceCheck.ResultAsync().ConfigureAwait(false);
        if (cipherOk && !_options.SimulateCipherPreferenceUnavailable)
        {
            FollowClientCipherOrder = true;
        }
        else
        {
            Log.CipherPreferenceUnavailable(_logger, _options.SimulateCipherPreferenceUnavailable ? "simulated: disabled for testing" : cipherProblem ?? "unknown");
        }

        var bound = new List<IPEndPoint>();
        try
        {
            foreach (IPEndPoint endPoint in _options.EndPoints)
            {
                var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                _listeners.Add(listener);
                if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
                {
                    listener.DualMode = true;
                }

                ListenerSocket.AllowRebindAfterRestart(listener);
                listener.Bind(endPoint);
                listener.Listen(_options.ListenBacklog);
                if (_inlineHandshakes)
                {
                    RuntimeSocketAdapter.SetInline(listener, true); // accepts complete on the engine's thread: no hop
                }

                var local = (IPEndPoint)listener.LocalEndPoint!;
                bound.Add(local);
                Log.Listening(_logger, local);
            }
        }
        catch
        {
            foreach (var l in _listeners)
            {
                l.Dispose();
            }

            await _certificates.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        LocalEndPoints = bound;
        _epoll = CreateEpollTransport();
        // A tenth of the shortest enabled timeout, so a deadline is enforced within 10 % of it (and a disabled
        // handshake timeout does not make the scan run every 50 ms).
        long idleMs = _options.IdleTimeout <= TimeSpan.Zero || _options.IdleTimeout == Timeout.InfiniteTimeSpan ? 0 : (long)_options.IdleTimeout.TotalMilliseconds;
        long shortest = Math.Min(Math.Min(_handshakeTimeoutMs == 0 ? long.MaxValue : _handshakeTimeoutMs, idleMs == 0 ? long.MaxValue : idleMs), proxyTimeoutMs);
        long period = shortest == long.MaxValue ? 1000 : Math.Clamp(shortest / 10, 50, 1000);
        _heartbeat = TimeProvider.System.CreateTimer(static s => ((TlsServer)s!).OnHeartbeat(), this, TimeSpan.FromMilliseconds(period), TimeSpan.FromMilliseconds(period));
        Volatile.Write(ref _state, 2);
        for (int l = 0; l < _listeners.Count; l++)
        {
            if (_epoll is not null && _epoll.AddListener(_listeners[l], this, _listenerProxies[l]))
            {
                continue; // accepted on the loops themselves
            }

            for (int i = 0; i < Math.Max(1, _options.AcceptLoopsPerEndPoint); i++)
            {
                _acceptLoops.Add(AcceptLoopAsync(_listeners[l], _listenerProxies[l]));
            }
        }
    }

    /// <summary>
    /// Re-reads every file-based certificate now (what a file change or SIGHUP does) and swaps in each one whose files
    /// changed and pass every check. A certificate that fails keeps serving its current version. One result per
    /// certificate, in configuration order.
    /// </summary>
    public Task<IReadOnlyList<CertificateReloadStatus>> ReloadCertificatesAsync(CancellationToken cancellationToken = default)
    {
        CertificateSet set = _certificates is not null && Volatile.Read(ref _state) == 2
            ? _certificates
            : throw new InvalidOperationException("The server is not running.");
        return set.ReloadAsync(cancellationToken);
    }

    /// <summary>
    /// Stops gracefully: stops accepting, signals <see cref="TlsConnection.ServerStopping"/>, lets connections
    /// drain for up to <see cref="TlsServerOptions.ShutdownTimeout"/> (or until <paramref name="cancellationToken"/>
    /// fires), then aborts the rest.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        int state = Interlocked.Exchange(ref _state, 3);
        if (state is 3 or 4)
        {
            return;
        }

        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        try
        {
            await Task.WhenAll(_acceptLoops).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _drained, drained); // a full fence: the count read below cannot move before it
        if (_table.Count == 0)
        {
            drained.TrySetResult();
        }

        int open = _table.Count;
        if (open > 0)
        {
            Log.Draining(_logger, open, _options.ShutdownTimeout);
        }

        _stopping.Cancel();
        try
        {
            await drained.Task.WaitAsync(_options.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            Log.AbortingAtDeadline(_logger, _table.Count);
            for (int i = 0; i < _table.Capacity; i++)
            {
                _table[i]?.Abort(HandshakeFailureReason.ServerStopping);
            }

            // Aborted connections finish promptly; bounded so a stuck handler cannot hang the stop.
            try
            {
                await drained.Task.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        _heartbeat?.Dispose();
        _epoll?.Dispose(); // its threads leave at their next wake-up, a blocked handler's when it returns
        if (_certificates is not null)
        {
            await _certificates.DisposeAsync().ConfigureAwait(false);
        }

        while (_streamPool.TryDequeue(out var stream))
        {
            stream.DisposeArgs();
        }

        Volatile.Write(ref _state, 4);
    }

    /// <summary>Stops the server (see <see cref="StopAsync"/>) and releases its resources.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _state) is 1 or 2)
        {
            await StopAsync().ConfigureAwait(false);
        }
        else if (_certificates is not null && Volatile.Read(ref _state) == 0)
        {
            await _certificates.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
        Metrics.Dispose();
    }

    private EpollTransport? CreateEpollTransport()
    {
        (bool ok, string? problem) = _options.SimulateEpollUnavailable ? (false, "simulated: disabled for testing") : EpollCheck.Result;
        if (ok)
        {
            try
            {
                return new EpollTransport(_options.MaxConcurrentConnections, Environment.ProcessorCount, _logger);
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                problem = ex.Message;
            }
        }

        Log.EpollUnavailable(_logger, problem ?? "unknown");
        return null;
    }

    private SslServerAuthenticationOptions CreateTemplate() => new()
    {
        ApplicationProtocols = _options.ApplicationProtocols.Count > 0 ? [.. _options.ApplicationProtocols] : null,
        EnabledSslProtocols = _options.EnabledProtocols,
        ClientCertificateRequired = _options.ClientCertificateMode != ClientCertificateMode.NoCertificate,
        RemoteCertificateValidationCallback = _options.ClientCertificateMode switch
        {
            ClientCertificateMode.NoCertificate => null,
            ClientCertificateMode.AllowCertificate => _options.ClientCertificateValidation ?? AllowMissingClientCertificate,
            _ => _options.ClientCertificateValidation,
        },
        CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        AllowTlsResume = _options.AllowTlsResume,
    };

    private static bool AllowMissingClientCertificate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate, System.Security.Cryptography.X509Certificates.X509Chain? chain, SslPolicyErrors errors)
        => errors == SslPolicyErrors.None || errors == SslPolicyErrors.RemoteCertificateNotAvailable;
}
