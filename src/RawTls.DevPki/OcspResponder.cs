using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Ocsp;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace RawTls.DevPki;

/// <summary>
/// A real HTTP/1.1 OCSP responder (RFC 6960 / RFC 5019 GET and POST) answering from a <see cref="DevCertificateAuthority"/>'s
/// issued/revoked state and signing with the issuing CA's key. Includes fault injection for client tests.
/// </summary>
public sealed class OcspResponder : IAsyncDisposable
{
    private const string OcspResponseType = "application/ocsp-response";

    private readonly DevCertificateAuthority _authority;
    private readonly OcspResponderOptions _options;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<long, Socket> _connections = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly BcCertificate _intermediate;
    private readonly BcCertificate _root;
    private readonly AsymmetricKeyParameter _intermediateKey;
    private readonly AsymmetricKeyParameter _rootKey;
    private readonly string _intermediateSerial;
    private Task _acceptLoop = Task.CompletedTask;
    private Func<OcspRequestContext, OcspFault?>? _faultHook;
    private byte[]? _lastRequest;
    private long _requestCount;
    private long _connectionIds;
    private int _active;
    private int _stopping;

    private OcspResponder(DevCertificateAuthority authority, OcspResponderOptions options, Socket listener)
    {
        _authority = authority;
        _options = options;
        _listener = listener;
        _faultHook = options.FaultHook;
        _intermediate = BouncyCastleInterop.ToBouncyCastle(authority.Intermediate);
        _root = BouncyCastleInterop.ToBouncyCastle(authority.Root);
        _intermediateKey = BouncyCastleInterop.PrivateKeyOf(authority.Intermediate);
        _rootKey = BouncyCastleInterop.PrivateKeyOf(authority.Root);
        _intermediateSerial = DevCertificateAuthority.NormalizeSerial(authority.Intermediate.SerialNumber);
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
        string host = EndPoint.Address.Equals(IPAddress.Any) ? "127.0.0.1"
            : EndPoint.Address.Equals(IPAddress.IPv6Any) ? "[::1]"
            : EndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{EndPoint.Address}]"
            : EndPoint.Address.ToString();
        Url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{host}:{EndPoint.Port}/"));
    }

    /// <summary>Base URL clients use, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url { get; }

    /// <summary>The bound port.</summary>
    public int Port => EndPoint.Port;

    /// <summary>The bound endpoint.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>HTTP requests received so far (including faulted and malformed ones).</summary>
    public long RequestCount => Interlocked.Read(ref _requestCount);

    /// <summary>The DER OCSP request most recently decoded, or null.</summary>
    public byte[]? LastRequest => Volatile.Read(ref _lastRequest);

    /// <summary>
    /// Called for every request before answering; return null to answer normally or an <see cref="OcspFault"/> to misbehave.
    /// Runs on the connection's task; an exception from it becomes an HTTP 500.
    /// </summary>
    public Func<OcspRequestContext, OcspFault?>? FaultHook
    {
        get => Volatile.Read(ref _faultHook);
        set => Volatile.Write(ref _faultHook, value);
    }

    /// <summary>Binds, listens and starts serving.</summary>
    public static OcspResponder Start(DevCertificateAuthority authority, OcspResponderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(authority);
        options ??= new OcspResponderOptions();
        var listener = new Socket(options.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(options.EndPoint);
            listener.Listen(512);
            var responder = new OcspResponder(authority, options, listener);
            responder._acceptLoop = responder.AcceptLoopAsync();
            return responder;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Answers one DER OCSP request without HTTP: status per CertID from the authority, signed by the issuing CA,
    /// nonce echoed. Malformed → malformedRequest; a CertID from an unknown issuer → unauthorized.
    /// </summary>
    public byte[] CreateResponse(byte[]? requestDer)
    {
        OcspReq? request = TryParse(requestDer, out _);
        return request is null ? OcspResponseBuilder.BuildError(OcspResponseStatus.MalformedRequest) : CreateResponse(request);
    }

    /// <summary>Stops listening, closes every connection and waits (bounded) for their tasks to finish.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            await _drained.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // expected on shutdown
        }

        foreach (Socket s in _connections.Values)
        {
            s.Dispose();
        }

        if (Volatile.Read(ref _active) == 0)
        {
            _drained.TrySetResult();
        }

        try
        {
            await _drained.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // sockets are closed; a straggler task cannot do more harm
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private static OcspReq? TryParse(byte[]? der, out IReadOnlyList<string> serials)
    {
        serials = [];
        if (der is null || der.Length == 0)
        {
            return null;
        }

        try
        {
            var req = new OcspReq(der);
            Req[] list = req.GetRequestList();
            if (list.Length == 0)
            {
                return null;
            }

            serials = [.. list.Select(r => SerialHex(r.GetCertID()))];
            return req;
        }
#pragma warning disable CA1031 // any parse failure of attacker-controlled bytes means "malformed"
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private static string SerialHex(CertificateID id)
    {
        string hex = id.SerialNumber.ToString(16);
        try
        {
            return DevCertificateAuthority.NormalizeSerial(hex);
        }
        catch (DevPkiException)
        {
            return hex; // negative serial: never issued, reported as is
        }
    }

    private byte[] CreateResponse(OcspReq request)
    {
        Req[] list = request.GetRequestList();
        bool byIntermediate, byRoot;
        try
        {
            byIntermediate = list.All(r => r.GetCertID().MatchesIssuer(_intermediate));
            byRoot = !byIntermediate && list.All(r => r.GetCertID().MatchesIssuer(_root));
        }
        catch (Exception ex) when (ex is OcspException or Org.BouncyCastle.Security.SecurityUtilityException)
        {
            return OcspResponseBuilder.BuildError(OcspResponseStatus.MalformedRequest); // a CertID hash we cannot compute
        }

        if (!byIntermediate && !byRoot)
        {
            return OcspResponseBuilder.BuildError(OcspResponseStatus.Unauthorized);
        }

        try
        {
            _authority.ReloadStateIfChanged();
        }
        catch (Exception ex) when (ex is DevPkiException or IOException or UnauthorizedAccessException)
        {
            return OcspResponseBuilder.BuildError(OcspResponseStatus.InternalError);
        }

        DateTimeOffset now = _options.TimeProvider.GetUtcNow();
        var builder = new OcspResponseBuilder(_options.TimeProvider)
            .ThisUpdate(now - _options.Backdate)
            .NextUpdate(now + _options.Validity)
            .ProducedAt(now)
            .SignedBy(byIntermediate ? _intermediateKey : _rootKey, byIntermediate ? _intermediate : _root)
            .EchoNonceFrom(request);
        foreach (Req r in list)
        {
            CertificateID id = r.GetCertID();
            string serial = SerialHex(id);
            RevocationStatus status = byIntermediate
                ? (serial.StartsWith('-') ? RevocationStatus.Unknown : _authority.GetStatus(serial))
                : (serial == _intermediateSerial ? RevocationStatus.Good : RevocationStatus.Unknown);
            builder.ForCertId(id).WithStatus(status);
        }

        return builder.Build();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                continue; // e.g. the peer reset before accept completed
            }

            if (Volatile.Read(ref _active) >= _options.MaxConnections)
            {
                socket.Dispose();
                continue;
            }

            Interlocked.Increment(ref _active);
            long id = Interlocked.Increment(ref _connectionIds);
            _connections[id] = socket;
            _ = ServeConnectionAsync(id, socket);
        }
    }

    private async Task ServeConnectionAsync(long id, Socket socket)
    {
        try
        {
            // Leave the accept loop right away even if the first read completes synchronously.
            await Task.Yield();
            socket.NoDelay = true;
            using var stream = new NetworkStream(socket, ownsSocket: false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            if (await ServeRequestsAsync(socket, stream, timeout).ConfigureAwait(false))
            {
                await DrainAndCloseAsync(socket).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // a connection task must never fault: peers reset, time out, or we shut down
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            _connections.TryRemove(id, out _);
            socket.Dispose();
            if (Interlocked.Decrement(ref _active) == 0 && _stop.IsCancellationRequested)
            {
                _drained.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Closing with unread input makes the kernel send RST, which can destroy an error response before the client reads it:
    /// send FIN, then swallow what the client still sends (bounded) before closing.
    /// </summary>
    private async Task DrainAndCloseAsync(Socket socket)
    {
        socket.Shutdown(SocketShutdown.Send);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        cts.CancelAfter(TimeSpan.FromSeconds(1));
        byte[] sink = new byte[4096];
        for (int total = 0; total < 256 * 1024;)
        {
            int n = await socket.ReceiveAsync(sink, SocketFlags.None, cts.Token).ConfigureAwait(false);
            if (n == 0)
            {
                return;
            }

            total += n;
        }
    }

    /// <returns>True when an error response was sent and the connection should be drained before closing.</returns>
    private async Task<bool> ServeRequestsAsync(Socket socket, NetworkStream stream, CancellationTokenSource timeout)
    {
        byte[] buffer = new byte[_options.MaxHeaderBytes];
        int filled = 0;
        while (!_stop.IsCancellationRequested)
        {
            int headEnd;
            while ((headEnd = HttpRequestHead.FindEnd(buffer.AsSpan(0, filled))) < 0)
            {
                if (filled == buffer.Length)
                {
                    await WriteResponseAsync(stream, timeout, 431, "text/plain", "request header too large\n"u8.ToArray(), false).ConfigureAwait(false);
                    return true;
                }

                timeout.CancelAfter(filled == 0 ? _options.IdleTimeout : _options.RequestTimeout);
                int n = await stream.ReadAsync(buffer.AsMemory(filled), timeout.Token).ConfigureAwait(false);
                timeout.CancelAfter(Timeout.InfiniteTimeSpan);
                if (n == 0)
                {
                    return false;
                }

                filled += n;
            }

            HttpRequestHead? head = HttpRequestHead.TryParse(buffer.AsSpan(0, headEnd - 4));
            if (head is null)
            {
                await WriteResponseAsync(stream, timeout, 400, "text/plain", "bad request\n"u8.ToArray(), false).ConfigureAwait(false);
                return true;
            }

            if (head.Chunked)
            {
                await WriteResponseAsync(stream, timeout, 411, "text/plain", "send Content-Length\n"u8.ToArray(), false).ConfigureAwait(false);
                return true;
            }

            if (head.ContentLength > _options.MaxRequestBodyBytes)
            {
                await WriteResponseAsync(stream, timeout, 413, "text/plain", "request body too large\n"u8.ToArray(), false).ConfigureAwait(false);
                return true;
            }

            int bodyLength = (int)Math.Max(0, head.ContentLength);
            byte[] body = new byte[bodyLength];
            int buffered = Math.Min(bodyLength, filled - headEnd);
            buffer.AsSpan(headEnd, buffered).CopyTo(body);
            if (buffered < bodyLength)
            {
                if (head.ExpectContinue)
                {
                    await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), timeout.Token).ConfigureAwait(false);
                }

                timeout.CancelAfter(_options.RequestTimeout);
                await stream.ReadExactlyAsync(body.AsMemory(buffered), timeout.Token).ConfigureAwait(false);
                timeout.CancelAfter(Timeout.InfiniteTimeSpan);
            }

            // Keep pipelined bytes that follow this request.
            int consumed = headEnd + buffered;
            buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
            filled -= consumed;

            if (!await HandleRequestAsync(socket, stream, timeout, head, body).ConfigureAwait(false))
            {
                return false;
            }
        }

        return false;
    }

    /// <returns>False when the connection must close.</returns>
    private async Task<bool> HandleRequestAsync(Socket socket, NetworkStream stream, CancellationTokenSource timeout, HttpRequestHead head, byte[] body)
    {
        long number = Interlocked.Increment(ref _requestCount);
        bool keepAlive = head.KeepAlive;
        bool isGet = head.Method == "GET";
        bool isPost = head.Method == "POST";
        byte[]? der = isGet ? DecodeGetTarget(head.Target) : isPost ? body : null;
        OcspReq? request = TryParse(der, out IReadOnlyList<string> serials);
        if (der is not null)
        {
            Volatile.Write(ref _lastRequest, der);
        }

        OcspFault? fault;
        try
        {
            fault = FaultHook?.Invoke(new OcspRequestContext(number, head.Method, head.Target, der, serials));
        }
#pragma warning disable CA1031 // a throwing test hook is reported to the client as a server error
        catch (Exception)
#pragma warning restore CA1031
        {
            return await WriteResponseAsync(stream, timeout, 500, "text/plain", "fault hook failed\n"u8.ToArray(), keepAlive).ConfigureAwait(false);
        }

        if (fault is not null)
        {
            if (fault.Delay > TimeSpan.Zero)
            {
                await Task.Delay(fault.Delay, _stop.Token).ConfigureAwait(false);
            }

            if (fault.DropConnection)
            {
                socket.LingerState = new LingerOption(true, 0); // RST rather than a clean FIN
                return false;
            }

            if (fault.RedirectLocation is not null)
            {
                return await WriteResponseAsync(stream, timeout, fault.StatusCode ?? 302, "text/plain", [], keepAlive, fault.RedirectLocation).ConfigureAwait(false);
            }

            if (fault.Body is not null)
            {
                return await WriteResponseAsync(stream, timeout, fault.StatusCode ?? 200, fault.ContentType ?? OcspResponseType, fault.Body, keepAlive).ConfigureAwait(false);
            }

            if (fault.StatusCode is int code)
            {
                return await WriteResponseAsync(stream, timeout, code, "text/plain", [], keepAlive).ConfigureAwait(false);
            }
        }

        if (!isGet && !isPost)
        {
            return await WriteResponseAsync(stream, timeout, 405, "text/plain", "use GET or POST\n"u8.ToArray(), keepAlive).ConfigureAwait(false);
        }

        if (isPost && head.ContentType is { } ct && !ct.StartsWith("application/ocsp-request", StringComparison.OrdinalIgnoreCase))
        {
            return await WriteResponseAsync(stream, timeout, 415, "text/plain", "expected application/ocsp-request\n"u8.ToArray(), keepAlive).ConfigureAwait(false);
        }

        byte[] response = request is null ? OcspResponseBuilder.BuildError(OcspResponseStatus.MalformedRequest) : CreateResponse(request);
        return await WriteResponseAsync(stream, timeout, 200, OcspResponseType, response, keepAlive, cacheable: isGet).ConfigureAwait(false);
    }

    private async Task<bool> WriteResponseAsync(NetworkStream stream, CancellationTokenSource timeout, int status, string contentType, byte[] body, bool keepAlive, string? location = null, bool cacheable = false)
    {
        keepAlive &= !_stop.IsCancellationRequested;
        var sb = new StringBuilder(256);
        sb.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {ReasonPhrase(status)}\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"Date: {_options.TimeProvider.GetUtcNow():R}\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\n");

        sb.Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n");
        if (location is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Location: {location}\r\n");
        }

        if (cacheable)
        {
            // RFC 5019 §6.2: let HTTP caches keep GET responses until nextUpdate.
            sb.Append(CultureInfo.InvariantCulture, $"Cache-Control: max-age={(long)_options.Validity.TotalSeconds}, public, no-transform, must-revalidate\r\n");
        }

        if (status == 405)
        {
            sb.Append("Allow: GET, POST\r\n");
        }

        sb.Append(keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
        byte[] headBytes = Encoding.ASCII.GetBytes(sb.ToString());
        timeout.CancelAfter(_options.RequestTimeout);
        if (body.Length <= 16 * 1024)
        {
            // One write for small responses: one segment on the wire.
            byte[] all = new byte[headBytes.Length + body.Length];
            headBytes.CopyTo(all, 0);
            body.CopyTo(all, headBytes.Length);
            await stream.WriteAsync(all, timeout.Token).ConfigureAwait(false);
        }
        else
        {
            await stream.WriteAsync(headBytes, timeout.Token).ConfigureAwait(false);
            await stream.WriteAsync(body, timeout.Token).ConfigureAwait(false);
        }

        timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        return keepAlive;
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };

    /// <summary>Decodes the base64 OCSP request in a GET path, tolerating percent-encoding, raw '+' and '/', base64url and a path prefix.</summary>
    /// <summary>Leading path segments <see cref="DecodeGetTarget"/> skips at most while looking for the base64 request.</summary>
    internal const int MaxPathSegmentsTried = 16;

    internal static byte[]? DecodeGetTarget(string target)
    {
        string path = target;
        int scheme = path.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            int slash = path.IndexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path[slash..];
        }

        int query = path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            path = path[..query];
        }

        path = path.StartsWith('/') ? path[1..] : path;
        byte[]? firstDecoded = null;

        // Base64 may contain '/', so try the whole path first and then without each leading segment (a responder URL with a path).
        // Bounded: each try decodes the rest of the path, so trying every segment of a long path costs quadratic time.
        string candidate = path;
        for (int tries = 0; candidate.Length > 0 && tries < MaxPathSegmentsTried; tries++)
        {
            byte[]? der = DecodeBase64(candidate);
            if (der is not null)
            {
                firstDecoded ??= der;
                if (TryParse(der, out _) is not null)
                {
                    return der;
                }
            }

            int next = candidate.IndexOf('/', StringComparison.Ordinal);
            if (next < 0)
            {
                break;
            }

            candidate = candidate[(next + 1)..];
        }

        return firstDecoded;
    }

    private static byte[]? DecodeBase64(string s)
    {
        string text;
        try
        {
            text = Uri.UnescapeDataString(s);
        }
        catch (UriFormatException)
        {
            return null;
        }

        text = text.Replace('-', '+').Replace('_', '/').Trim();
        if (text.Length % 4 != 0)
        {
            text = text.PadRight(text.Length + (4 - (text.Length % 4)), '=');
        }

        byte[] bytes = new byte[text.Length / 4 * 3];
        return Convert.TryFromBase64String(text, bytes, out int written) && written > 0 ? bytes[..written] : null;
    }
}
