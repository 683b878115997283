using System.Globalization;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using RawTls.Ocsp;

namespace RawTls.DevPki;

/// <summary>The HTTP side: decode the request, consult the fault hook, answer.</summary>
public sealed partial class OcspResponder
{
    private const string OcspResponseType = "application/ocsp-response";

    private async Task HandleAsync(HttpContext context)
    {
        long number = Interlocked.Increment(ref _requestCount);
        HttpRequest request = context.Request;
        string method = request.Method;
        string target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.ToString();
        bool isGet = HttpMethods.IsGet(method), isPost = HttpMethods.IsPost(method);
        byte[] body = [];
        if (isPost)
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false); // over MaxRequestBodyBytes: Kestrel answers 413
            body = buffer.ToArray();
        }

        byte[]? der = OcspRequestDecoder.Decode(isGet ? "GET" : isPost ? "POST" : method, target, body);
        var ocspRequest = OcspRequestDecoder.TryParse(der, out IReadOnlyList<string> serials);
        if (der is not null)
        {
            Volatile.Write(ref _lastRequest, der);
        }

        OcspFault? fault;
        try
        {
            fault = FaultHook?.Invoke(new OcspRequestContext(number, method, target, der, serials));
        }
#pragma warning disable CA1031 // a throwing test hook is reported to the client as a server error
        catch (Exception)
#pragma warning restore CA1031
        {
            await WriteAsync(context, 500, "text/plain", "fault hook failed\n"u8.ToArray()).ConfigureAwait(false);
            return;
        }

        if (fault is not null && await ApplyFaultAsync(context, fault).ConfigureAwait(false))
        {
            return;
        }

        if (!isGet && !isPost)
        {
            context.Response.Headers.Allow = "GET, POST";
            await WriteAsync(context, 405, "text/plain", "use GET or POST\n"u8.ToArray()).ConfigureAwait(false);
            return;
        }

        if (isPost && request.ContentType is { } ct && !ct.StartsWith("application/ocsp-request", StringComparison.OrdinalIgnoreCase))
        {
            await WriteAsync(context, 415, "text/plain", "expected application/ocsp-request\n"u8.ToArray()).ConfigureAwait(false);
            return;
        }

        byte[] response = ocspRequest is null ? OcspResponseBuilder.BuildError(OcspResponseStatus.MalformedRequest) : CreateResponse(ocspRequest);
        if (isGet)
        {
            // RFC 5019 §6.2: let HTTP caches keep GET responses until nextUpdate.
            context.Response.Headers.CacheControl = string.Create(CultureInfo.InvariantCulture, $"max-age={(long)_options.Validity.TotalSeconds}, public, no-transform, must-revalidate");
        }

        await WriteAsync(context, 200, OcspResponseType, response).ConfigureAwait(false);
    }

    /// <returns>True when the fault answered (or dropped) the request; false to answer normally after its delay.</returns>
    private async Task<bool> ApplyFaultAsync(HttpContext context, OcspFault fault)
    {
        if (fault.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(fault.Delay, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                context.Abort(); // stopping: do not hold up shutdown
                return true;
            }
        }

        if (fault.DropConnection)
        {
            if (context.Features.Get<IConnectionSocketFeature>()?.Socket is Socket socket)
            {
                socket.LingerState = new LingerOption(true, 0); // RST rather than a clean FIN
            }

            context.Abort();
            return true;
        }

        if (fault.RedirectLocation is not null)
        {
            context.Response.Headers.Location = fault.RedirectLocation;
            await WriteAsync(context, fault.StatusCode ?? 302, "text/plain", []).ConfigureAwait(false);
            return true;
        }

        if (fault.Body is not null)
        {
            await WriteAsync(context, fault.StatusCode ?? 200, fault.ContentType ?? OcspResponseType, fault.Body).ConfigureAwait(false);
            return true;
        }

        if (fault.StatusCode is int code)
        {
            await WriteAsync(context, code, "text/plain", []).ConfigureAwait(false);
            return true;
        }

        return false;
    }

    private static Task WriteAsync(HttpContext context, int status, string contentType, byte[] body)
    {
        HttpResponse response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
