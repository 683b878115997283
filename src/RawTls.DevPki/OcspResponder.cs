using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Org.BouncyCastle.Crypto;
using RawTls.Ocsp;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace RawTls.DevPki;

/// <summary>
/// A real HTTP OCSP responder (RFC 6960 / RFC 5019 GET and POST) on Kestrel, answering from a
/// <see cref="DevCertificateAuthority"/>'s issued/revoked state and signing with the issuing CA's key.
/// Includes fault injection for client tests (<see cref="FaultHook"/>).
/// </summary>
public sealed partial class OcspResponder : IAsyncDisposable
{
    private readonly DevCertificateAuthority _authority;
    private readonly OcspResponderOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly BcCertificate _intermediate;
    private readonly BcCertificate _root;
    private readonly AsymmetricKeyParameter _intermediateKey;
    private readonly AsymmetricKeyParameter _rootKey;
    private readonly string _intermediateSerial;
    private KestrelServer? _server;
    private Func<OcspRequestContext, OcspFault?>? _faultHook;
    private byte[]? _lastRequest;
    private long _requestCount;
    private int _stopping;

    private OcspResponder(DevCertificateAuthority authority, OcspResponderOptions options)
    {
        _authority = authority;
        _options = options;
        _faultHook = options.FaultHook;
        _intermediate = BouncyCastleInterop.ToBouncyCastle(authority.Intermediate);
        _root = BouncyCastleInterop.ToBouncyCastle(authority.Root);
        _intermediateKey = BouncyCastleInterop.PrivateKeyOf(authority.Intermediate);
        _rootKey = BouncyCastleInterop.PrivateKeyOf(authority.Root);
        _intermediateSerial = DevCertificateAuthority.NormalizeSerial(authority.Intermediate.SerialNumber);
        EndPoint = options.EndPoint;
        Url = new Uri("http://127.0.0.1/");
    }

    /// <summary>Base URL clients use, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url { get; private set; }

    /// <summary>The bound port.</summary>
    public int Port => EndPoint.Port;

    /// <summary>The bound endpoint.</summary>
    public IPEndPoint EndPoint { get; private set; }

    /// <summary>HTTP requests that reached the responder so far (including faulted and malformed OCSP ones).</summary>
    public long RequestCount => Interlocked.Read(ref _requestCount);

    /// <summary>The DER OCSP request most recently decoded, or null.</summary>
    public byte[]? LastRequest => Volatile.Read(ref _lastRequest);

    /// <summary>
    /// Called for every request before answering; return null to answer normally or an <see cref="OcspFault"/> to misbehave.
    /// An exception from it becomes an HTTP 500.
    /// </summary>
    public Func<OcspRequestContext, OcspFault?>? FaultHook
    {
        get => Volatile.Read(ref _faultHook);
        set => Volatile.Write(ref _faultHook, value);
    }

    /// <summary>Binds, listens and starts serving (blocking until listening).</summary>
    /// <exception cref="SocketException">The endpoint cannot be bound.</exception>
    public static OcspResponder Start(DevCertificateAuthority authority, OcspResponderOptions? options = null) =>
        StartAsync(authority, options).GetAwaiter().GetResult();

    /// <summary>Binds, listens and starts serving.</summary>
    /// <exception cref="SocketException">The endpoint cannot be bound.</exception>
    public static async Task<OcspResponder> StartAsync(DevCertificateAuthority authority, OcspResponderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(authority);
        var responder = new OcspResponder(authority, options ?? new OcspResponderOptions());
        try
        {
            await responder.ListenAsync().ConfigureAwait(false);
            return responder;
        }
        catch (IOException ex) when (ex.InnerException is SocketException socket)
        {
            await responder.DisposeAsync().ConfigureAwait(false);
            throw new SocketException((int)socket.SocketErrorCode, $"{responder._options.EndPoint}: {socket.Message}");
        }
        catch
        {
            await responder.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Answers one DER OCSP request without HTTP: status per CertID from the authority, signed by the issuing CA,
    /// nonce echoed. Malformed → malformedRequest; a CertID from an unknown issuer → unauthorized.
    /// </summary>
    public byte[] CreateResponse(byte[]? requestDer)
    {
        var request = OcspRequestDecoder.TryParse(requestDer, out _);
        return request is null ? OcspResponseBuilder.BuildError(OcspResponseStatus.MalformedRequest) : CreateResponse(request);
    }

    /// <summary>Stops listening and closes every connection; requests held in a fault delay end at once.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0 || _server is null)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _server.StopAsync(bound.Token).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _server?.Dispose();

        _stop.Dispose();
    }

    /// <summary>
    /// Kestrel without the generic host: the server, its socket transport and a one-delegate application.
    /// The host's DI, configuration and middleware layers would add startup time to every <c>rawtls serve</c>
    /// run with the development PKI, and the responder needs none of them.
    /// </summary>
    private async Task ListenAsync()
    {
        var kestrel = new KestrelServerOptions
        {
            AddServerHeader = false,
            ApplicationServices = new ServiceCollection().AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance).BuildServiceProvider(),
        };
        kestrel.Limits.MaxRequestLineSize = _options.MaxHeaderBytes;
        kestrel.Limits.MaxRequestHeadersTotalSize = _options.MaxHeaderBytes;
        kestrel.Limits.MaxRequestBodySize = _options.MaxRequestBodyBytes;
        kestrel.Limits.MaxConcurrentConnections = _options.MaxConnections;
        kestrel.Limits.KeepAliveTimeout = _options.IdleTimeout;
        kestrel.Limits.RequestHeadersTimeout = _options.RequestTimeout;
        ListenOptions? listen = null;
        kestrel.Listen(_options.EndPoint, o =>
        {
            o.Protocols = HttpProtocols.Http1;
            listen = o;
        });
        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance);
        _server = new KestrelServer(Options.Create(kestrel), transport, NullLoggerFactory.Instance);
        await _server.StartAsync(new Application(this), _stop.Token).ConfigureAwait(false);

        EndPoint = listen?.IPEndPoint ?? _options.EndPoint;
        string host = EndPoint.Address.Equals(IPAddress.Any) ? "127.0.0.1"
            : EndPoint.Address.Equals(IPAddress.IPv6Any) ? "[::1]"
            : EndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{EndPoint.Address}]"
            : EndPoint.Address.ToString();
        Url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{host}:{EndPoint.Port}/"));
    }
}
