using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Text;

namespace RawTls.Cli.Protocols;

/// <summary>
/// A minimal, correct HTTP/1.1 responder for load tools: every request gets the same small 200 answer.
/// Keep-alive by default, <c>Connection: close</c> honoured, pipelined requests answered in order with
/// one flush per read, Content-Length bodies read and discarded, malformed or oversized heads answered
/// 400/414/431 (and 501 for Transfer-Encoding) and closed. No allocation per request. Two diagnostic targets:
/// <c>/whoami</c> (the client address the server sees, through a PROXY header) and <c>/ready</c> (for health checks).
/// </summary>
internal static class Http11Responder
{
    /// <summary>Serves requests until the client closes, asks to close, errs, or <paramref name="cancellationToken"/> fires between requests.</summary>
    public static async Task RunAsync(IDuplexPipe transport, Http11ResponderOptions? options, CancellationToken cancellationToken, EndPoint? remote = null)
    {
        options ??= Http11ResponderOptions.Default;
        PipeReader input = transport.Input;
        PipeWriter output = transport.Output;
        long bodyRemaining = 0;
        // One registration per connection: a token passed to every ReadAsync costs a registration and an
        // unregistration per request (StreamPipeReader links it each time). Stopping cancels the pending read instead,
        // which ends the loop below through IsCanceled.
        using CancellationTokenRegistration stopping = cancellationToken.UnsafeRegister(static s => ((PipeReader)s!).CancelPendingRead(), input);
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync(CancellationToken.None).ConfigureAwait(false);

                ReadOnlySequence<byte> buffer = result.Buffer;
                bool close = Process(ref buffer, output, options, ref bodyRemaining, remote);
                input.AdvanceTo(buffer.Start, buffer.End);
                if (output.UnflushedBytes > 0)
                {
                    FlushResult flush = await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                    if (flush.IsCompleted)
                    {
                        return;
                    }
                }

                if (close || result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (IOException)
        {
            // The client went away mid-exchange: nothing to answer.
        }
    }

    /// <summary>Answers every complete request in <paramref name="buffer"/>; returns true when the connection must close.</summary>
    internal static bool Process(ref ReadOnlySequence<byte> buffer, PipeWriter output, Http11ResponderOptions options, ref long bodyRemaining, EndPoint? remote = null)
    {
        while (true)
        {
            if (bodyRemaining > 0)
            {
                long skip = Math.Min(bodyRemaining, buffer.Length);
                buffer = buffer.Slice(skip);
                bodyRemaining -= skip;
                if (bodyRemaining > 0)
                {
                    return false; // the rest of the body is still on its way
                }
            }

            if (buffer.IsEmpty)
            {
                return false;
            }

            HttpParseStatus status = Http11Parser.TryParse(buffer, options, out HttpRequestHead head, out SequencePosition end);
            switch (status)
            {
                case HttpParseStatus.NeedMoreData:
                    return false;
                case HttpParseStatus.Complete:
                    buffer = buffer.Slice(end);
                    bool keepAlive = head.KeepAlive && options.Readiness?.Draining != true;
                    if (head.Route == HttpRoute.Default)
                    {
                        WriteOk(output, options, head, keepAlive);
                    }
                    else
                    {
                        WriteRoute(output, options, head, keepAlive, remote);
                    }

                    if (!keepAlive)
                    {
                        buffer = buffer.Slice(buffer.End);
                        return true;
                    }

                    bodyRemaining = head.ContentLength;
                    break;
                default:
                    WriteError(output, status);
                    buffer = buffer.Slice(buffer.End);
                    return true;
            }
        }
    }

    private static void WriteOk(PipeWriter output, Http11ResponderOptions options, in HttpRequestHead head, bool keepAlive)
    {
        ReadOnlySpan<byte> date = HttpDate.Value;
        ReadOnlySpan<byte> status = head.IsHttp10 ? "HTTP/1.0 200 OK\r\nServer: RawTls\r\nDate: "u8 : "HTTP/1.1 200 OK\r\nServer: RawTls\r\nDate: "u8;
        ReadOnlySpan<byte> connection = keepAlive
            ? (head.IsHttp10 ? "Connection: keep-alive\r\n\r\n"u8 : "\r\n"u8)
            : "Connection: close\r\n\r\n"u8;
        ReadOnlySpan<byte> body = head.IsHead ? default : options.Body;
        int length = status.Length + date.Length + options.HeadersAfterDate.Length + connection.Length + body.Length;
        Span<byte> span = output.GetSpan(length);
        status.CopyTo(span);
        int at = status.Length;
        date.CopyTo(span[at..]);
        at += date.Length;
        options.HeadersAfterDate.CopyTo(span[at..]);
        at += options.HeadersAfterDate.Length;
        connection.CopyTo(span[at..]);
        at += connection.Length;
        body.CopyTo(span[at..]);
        output.Advance(length);
    }

    /// <summary><c>/whoami</c> and <c>/ready</c>: small text answers, formatted per request (diagnostics, not the load path).</summary>
    private static void WriteRoute(PipeWriter output, Http11ResponderOptions options, in HttpRequestHead head, bool keepAlive, EndPoint? remote)
    {
        string? notReady = head.Route == HttpRoute.Ready ? options.Readiness?.NotReadyReason() : null;
        string body = head.Route == HttpRoute.WhoAmI ? (remote?.ToString() ?? "unknown") + "\n" : (notReady ?? "ready") + "\n";
        string status = notReady is null ? "200 OK" : "503 Service Unavailable";
        string version = head.IsHttp10 ? "HTTP/1.0" : "HTTP/1.1";
        string connection = keepAlive ? (head.IsHttp10 ? "Connection: keep-alive\r\n" : string.Empty) : "Connection: close\r\n";
        string text = string.Create(CultureInfo.InvariantCulture, $"{version} {status}\r\nServer: RawTls\r\nDate: {Encoding.ASCII.GetString(HttpDate.Value)}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nCache-Control: no-store\r\n{connection}\r\n{(head.IsHead ? string.Empty : body)}");
        output.Write(Encoding.ASCII.GetBytes(text));
    }

    private static void WriteError(PipeWriter output, HttpParseStatus status)
    {
        ReadOnlySpan<byte> response = status switch
        {
            HttpParseStatus.UriTooLong => "HTTP/1.1 414 URI Too Long\r\nServer: RawTls\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8,
            HttpParseStatus.HeadersTooLarge => "HTTP/1.1 431 Request Header Fields Too Large\r\nServer: RawTls\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8,
            HttpParseStatus.NotImplemented => "HTTP/1.1 501 Not Implemented\r\nServer: RawTls\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8,
            _ => "HTTP/1.1 400 Bad Request\r\nServer: RawTls\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8,
        };
        output.Write(response);
    }
}
