using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using BenchmarkDotNet.Attributes;
using RawTls.Certificates;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Server;
using RawTls.Stapling;

namespace RawTls.Benchmarks;

/// <summary>
/// Handshakes per second through RawTls's accept loop over real loopback sockets: a <see cref="TlsServer"/>
/// serving a development certificate, stapled from a local OCSP responder or not. One operation is one
/// connection (client and server in this process, so the time covers both sides). Allocated bytes are the
/// whole process's, client included: subtract <see cref="BareSslStreamHandshakeBenchmarks"/> for RawTls's share.
/// </summary>
public class HandshakeBenchmarks
{
    private TlsServer? _server;
    private OcspResponder? _responder;
    private HandshakeClient? _client;

    [ParamsSource(nameof(Protocols))]
    public SslProtocols Protocol { get; set; }

    [ParamsSource(nameof(Keys))]
    public KeyKind Key { get; set; }

    [ParamsSource(nameof(StapledValues))]
    public bool Stapled { get; set; }

    public static IEnumerable<SslProtocols> Protocols => BenchSelection.Protocols;

    public static IEnumerable<KeyKind> Keys => BenchSelection.Keys;

    public static IEnumerable<bool> StapledValues => BenchSelection.Stapled;

    [Params(false, true)]
    public bool Resumed { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        DevCertificateAuthority ca = BenchPki.Get(Key);
        var options = new TlsServerOptions().Listen(IPAddress.Loopback, 0);
        var certificate = ServerCertificateOptions.FromCertificate(ca.Leaf, BenchPki.Chain(ca));
        options.Stapling.Mode = Stapled ? StaplingMode.Require : StaplingMode.Off;
        if (Stapled)
        {
            _responder = OcspResponder.Start(ca);
            certificate.OcspResponderUrl = _responder.Url;
        }

        options.Certificates.Add(certificate);
        _server = new TlsServer(options, static async connection =>
        {
            PipeWriterOne(connection);
            await connection.Transport.Output.FlushAsync();
        });
        await _server.StartAsync();
        IPEndPoint endPoint = _server.LocalEndPoints[0];
        StapleStatus? status = _server.Certificates[0].StaplingStatus;
        await HandshakeChecks.VerifyAsync(endPoint, Protocol, Stapled, status is null ? "stapling off" : $"staple {status.Staple?.Status.ToString() ?? "none"}, last result {status.LastResult}");
        _client = new HandshakeClient(endPoint, Protocol, Resumed);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_responder is not null)
        {
            await _responder.DisposeAsync();
        }
    }

    [Benchmark]
    public Task Handshake() => _client!.HandshakeAsync();

    private static void PipeWriterOne(TlsConnection connection)
    {
        var output = connection.Transport.Output;
        output.GetSpan(1)[0] = (byte)'!';
        output.Advance(1);
    }
}

/// <summary>
/// The reference: the same handshakes against a bare accept loop that wraps each socket in a
/// <see cref="NetworkStream"/> and <see cref="SslStream"/> with one long-lived certificate context, writes
/// the byte, sends close_notify and closes. Nothing of RawTls is on its path.
/// </summary>
public class BareSslStreamHandshakeBenchmarks
{
    private Socket? _listener;
    private SslServerAuthenticationOptions? _serverOptions;
    private HandshakeClient? _client;
    private Task? _acceptLoop;

    [ParamsSource(nameof(Protocols))]
    public SslProtocols Protocol { get; set; }

    [ParamsSource(nameof(Keys))]
    public KeyKind Key { get; set; }

    [Params(false, true)]
    public bool Resumed { get; set; }

    public static IEnumerable<SslProtocols> Protocols => BenchSelection.Protocols;

    public static IEnumerable<KeyKind> Keys => BenchSelection.Keys;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        DevCertificateAuthority ca = BenchPki.Get(Key);
        _serverOptions = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(ca.Leaf, BenchPki.Chain(ca), offline: true),
            CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            AllowTlsResume = true,
        };
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        _acceptLoop = AcceptLoopAsync(_listener, _serverOptions);
        var endPoint = (IPEndPoint)_listener.LocalEndPoint!;
        await HandshakeChecks.VerifyAsync(endPoint, Protocol, stapled: false, "bare SslStream");
        _client = new HandshakeClient(endPoint, Protocol, Resumed);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop;
        }
    }

    [Benchmark]
    public Task Handshake() => _client!.HandshakeAsync();

    private static async Task AcceptLoopAsync(Socket listener, SslServerAuthenticationOptions options)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(socket, options);
        }
    }

    private static readonly byte[] s_one = "!"u8.ToArray();

    private static async Task ServeAsync(Socket socket, SslServerAuthenticationOptions options)
    {
        socket.NoDelay = true;
        using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsServerAsync(options);
            await ssl.WriteAsync(s_one);
            await ssl.ShutdownAsync();
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or ObjectDisposedException)
        {
        }
    }
}

/// <summary>Checks run once per case before measuring, so that a figure is never for the wrong thing.</summary>
internal static class HandshakeChecks
{
    /// <summary>
    /// With RawTls's BouncyCastle probe (a client independent of SslStream): the server negotiates the requested
    /// version and staples exactly when expected. Then resumption: the probe resumes TLS 1.2 sessions by id, and
    /// for TLS 1.3 (whose tickets the probe does not wait for) <c>openssl s_client</c> saves the ticket of one
    /// connection and must report "Reused" on the next.
    /// </summary>
    public static async Task VerifyAsync(IPEndPoint endPoint, SslProtocols protocol, bool stapled, string serverState)
    {
        StapleProbeResult result = await StapleProbe.ProbeAsync(endPoint, new StapleProbeOptions
        {
            ServerName = "localhost",
            Protocols = protocol,
            CheckResumption = protocol == SslProtocols.Tls12,
        });
        if (result.NegotiatedProtocol != protocol)
        {
            throw new InvalidOperationException($"negotiated {result.NegotiatedProtocol}, wanted {protocol}");
        }

        if ((result.OcspResponse is not null) != stapled)
        {
            throw new InvalidOperationException((stapled ? "the server did not staple" : "the server stapled unexpectedly") + $" ({serverState})");
        }

        bool resumed = protocol == SslProtocols.Tls12
            ? result.ResumptionChecked && result.ResumedSession
            : await OpenSslResumesTls13Async(endPoint);
        if (!resumed)
        {
            throw new InvalidOperationException($"the server did not resume a {protocol} session");
        }
    }

    private static async Task<bool> OpenSslResumesTls13Async(IPEndPoint endPoint)
    {
        string session = Path.GetTempFileName();
        try
        {
            string common = $"s_client -connect {endPoint} -servername localhost -tls1_3 -ign_eof";
            await RunOpenSslAsync($"{common} -sess_out {session}");
            string second = await RunOpenSslAsync($"{common} -sess_in {session}");
            return second.Contains("Reused, TLSv1.3", StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(session);
        }
    }

    private static async Task<string> RunOpenSslAsync(string arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("openssl", arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("cannot start openssl");
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        return await stdout + await stderr;
    }
}
