using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;

namespace RawTls.Ocsp;

/// <summary>
/// Fetches OCSP responses over HTTP (RFC 6960 Appendix A, RFC 5019 §5). Holds one pooled connection handler:
/// create one per process and share it. Never uses a proxy, so traffic goes only where the URL says.
/// Thread-safe.
/// </summary>
internal sealed class OcspClient : IDisposable
{
    /// <summary>RFC 5019 §5: GET is used when the request fits in a URL of at most this many bytes.</summary>
    public const int MaxGetUrlLength = 255;

    private const string RequestMediaType = "application/ocsp-request";
    private const string ResponseMediaType = "application/ocsp-response";

    private readonly HttpClient _http;
    private readonly OcspClientOptions _options;

    /// <summary>Creates a client with the given limits, or the defaults.</summary>
    public OcspClient(OcspClientOptions? options = null)
    {
        _options = options ?? new OcspClientOptions();
        _options.Validate();
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            // Redirects are followed by hand so they can be bounded, loop-checked and kept under the same deadline.
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            PooledConnectionLifetime = _options.PooledConnectionLifetime,
            // Fetches are minutes apart: a connection idle that long is one the responder may be closing right now
            // (its keep-alive timeout), and reusing it fails the fetch. Keep connections for bursts only.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(2),
            ConnectTimeout = _options.Timeout,
            MaxResponseHeadersLength = 16,
        };
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Accept.ParseAdd(ResponseMediaType);
    }

    /// <summary>
    /// The responder URL to use for <paramref name="leaf"/>: <paramref name="overrideUri"/> if given, otherwise the first
    /// plain-http OCSP URL from its AIA extension, otherwise the first https one; null when there is none.
    /// </summary>
    public static Uri? SelectResponderUri(X509Certificate2 leaf, Uri? overrideUri = null)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        if (overrideUri is not null)
        {
            return overrideUri;
        }

        IReadOnlyList<Uri> uris = OcspCertificateInfo.GetOcspResponderUris(leaf);
        // Plain http first: fetching over https would need revocation data of its own.
        foreach (Uri uri in uris)
        {
            if (uri.Scheme == Uri.UriSchemeHttp)
            {
                return uri;
            }
        }

        return uris.Count > 0 ? uris[0] : null;
    }

    /// <summary>
    /// Builds the RFC 5019 GET URL (responder URL, "/", URL-encoded base64 request) and returns whether it is at most
    /// <see cref="MaxGetUrlLength"/> bytes. Responder URLs with a query or fragment always use POST.
    /// </summary>
    public static bool TryBuildGetUri(Uri responderUri, ReadOnlySpan<byte> request, [NotNullWhen(true)] out Uri? getUri)
    {
        ArgumentNullException.ThrowIfNull(responderUri);
        getUri = null;
        if (!responderUri.IsAbsoluteUri || responderUri.Query.Length != 0 || responderUri.Fragment.Length != 0)
        {
            return false;
        }

        string baseText = responderUri.AbsoluteUri;
        string encoded = Uri.EscapeDataString(Convert.ToBase64String(request));
        string text = baseText.EndsWith('/') ? baseText + encoded : baseText + "/" + encoded;
        if (text.Length > MaxGetUrlLength || !Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || uri.AbsoluteUri.Length > MaxGetUrlLength)
        {
            return false;
        }

        getUri = uri;
        return true;
    }

    /// <summary>Builds the request for <paramref name="certId"/> and fetches it from the leaf's responder.</summary>
    public Task<OcspFetchResult> FetchAsync(X509Certificate2 leaf, OcspCertId certId, Uri? overrideUri = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(certId);
        Uri? uri = SelectResponderUri(leaf, overrideUri);
        return uri is null
            ? Task.FromResult(new OcspFetchResult(OcspFetchOutcome.NoResponderUrl, "No responder URL given and none in the certificate's AIA extension."))
            : FetchAsync(uri, OcspRequestEncoder.Encode(certId), cancellationToken);
    }

    /// <summary>Sends a DER-encoded OCSPRequest to <paramref name="responderUri"/> and returns the response body.</summary>
    public async Task<OcspFetchResult> FetchAsync(Uri responderUri, ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(responderUri);
        if (!responderUri.IsAbsoluteUri || (responderUri.Scheme != Uri.UriSchemeHttp && responderUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("The responder URL must be an absolute http or https URL.", nameof(responderUri));
        }

        TimeProvider time = _options.TimeProvider;
        long started = time.GetTimestamp();
        using var deadline = new CancellationTokenSource(_options.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);

        bool useGet = TryBuildGetUri(responderUri, request.Span, out Uri? getUri);
        Uri current = getUri ?? responderUri;
        var visited = new HashSet<Uri> { current };
        int redirects = 0;
        int? statusCode = null;

        OcspFetchResult Result(OcspFetchOutcome outcome, string message, string? contentType = null, bool unexpectedType = false, ReadOnlyMemory<byte> body = default) => new(outcome, message)
        {
            Body = body,
            StatusCode = statusCode,
            ContentType = contentType,
            IsUnexpectedContentType = unexpectedType,
            UsedGet = useGet,
            FinalUri = current,
            Redirects = redirects,
            Elapsed = time.GetElapsedTime(started),
        };

        try
        {
            while (true)
            {
                using HttpRequestMessage message = CreateRequest(useGet, current, request);
                using HttpResponseMessage response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
                statusCode = (int)response.StatusCode;

                if (IsRedirect(response.StatusCode))
                {
                    if (response.Headers.Location is not { } location
                        || !Uri.TryCreate(current, location, out Uri? next)
                        || (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps))
                    {
                        return Result(OcspFetchOutcome.HttpError, $"HTTP {statusCode} from {current} without a usable http(s) Location.");
                    }

                    if (!visited.Add(next))
                    {
                        return Result(OcspFetchOutcome.RedirectLimit, $"Redirect loop: {current} redirects back to {next}.");
                    }

                    if (redirects == _options.MaxRedirects)
                    {
                        return Result(OcspFetchOutcome.RedirectLimit, $"More than {_options.MaxRedirects} redirects; the last pointed to {next}.");
                    }

                    redirects++;
                    current = next;
                    continue;
                }

                if (response.StatusCode != HttpStatusCode.OK)
                {
                    return Result(OcspFetchOutcome.HttpError, $"HTTP {statusCode} {response.ReasonPhrase} from {current}.");
                }

                string? contentType = response.Content.Headers.ContentType?.MediaType;
                bool unexpectedType = !string.Equals(contentType, ResponseMediaType, StringComparison.OrdinalIgnoreCase);

                if (response.Content.Headers.ContentLength is long declared && declared > _options.MaxResponseBytes)
                {
                    return Result(OcspFetchOutcome.TooLarge, $"Content-Length {declared} exceeds the {_options.MaxResponseBytes}-byte cap.", contentType, unexpectedType);
                }

                byte[]? body = await ReadCappedAsync(response.Content, _options.MaxResponseBytes, linked.Token).ConfigureAwait(false);
                if (body is null)
                {
                    return Result(OcspFetchOutcome.TooLarge, $"Body exceeds the {_options.MaxResponseBytes}-byte cap.", contentType, unexpectedType);
                }

                if (body.Length == 0)
                {
                    return Result(OcspFetchOutcome.EmptyResponse, $"HTTP 200 with an empty body from {current}.", contentType, unexpectedType);
                }

                string note = unexpectedType ? $" (Content-Type '{contentType ?? "none"}', expected {ResponseMediaType})" : string.Empty;
                return Result(OcspFetchOutcome.Success, $"{body.Length} bytes from {current}{note}.", contentType, unexpectedType, body);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Result(OcspFetchOutcome.Canceled, "Cancelled by the caller.");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return Result(OcspFetchOutcome.Timeout, $"No complete response from {current} within {_options.Timeout}.");
        }
        catch (OperationCanceledException)
        {
            // The handler's own connect timeout; it is set to the same deadline.
            return Result(OcspFetchOutcome.Timeout, $"Connecting to {current} timed out.");
        }
        catch (HttpRequestException ex)
        {
            return Result(OcspFetchOutcome.NetworkError, $"{ex.HttpRequestError} talking to {current}: {ex.Message}");
        }
        catch (IOException ex)
        {
            return Result(OcspFetchOutcome.NetworkError, $"Reading the body from {current} failed: {ex.Message}");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private static HttpRequestMessage CreateRequest(bool useGet, Uri uri, ReadOnlyMemory<byte> request)
    {
        if (useGet)
        {
            return new HttpRequestMessage(HttpMethod.Get, uri);
        }

        // Redirected POSTs stay POSTs with the same body: without it the responder has nothing to answer.
        var content = new ReadOnlyMemoryContent(request);
        content.Headers.ContentType = new MediaTypeHeaderValue(RequestMediaType);
        return new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
    }

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    /// <summary>Reads the body, or returns null as soon as it exceeds <paramref name="cap"/> bytes.</summary>
    private static async Task<byte[]?> ReadCappedAsync(HttpContent content, int cap, CancellationToken cancellationToken)
    {
        Stream stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            long? declared = content.Headers.ContentLength;
            byte[] buffer = new byte[declared is long length ? (int)length + 1 : Math.Min(cap + 1, 4096)];
            int total = 0;
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (total > cap)
                    {
                        return null;
                    }

                    Array.Resize(ref buffer, Math.Min(cap + 1, buffer.Length * 2));
                }

                int read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            if (total > cap)
            {
                return null;
            }

            return total == buffer.Length ? buffer : buffer[..total];
        }
    }
}
