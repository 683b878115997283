using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.RegularExpressions;
using RawTls.Cli.Protocols;
using RawTls.Tests.Http;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Fuzz;

/// <summary>
/// Mutation fuzzing of the serve HTTP/1.1 parser and responder: the parser never throws and gives the same verdict in
/// any segmentation; the responder answers only well-formed responses, at most one error, and closes after it; over a
/// real TLS connection every mutant ends in a close, never a hang.
/// </summary>
[Trait("Category", "Fuzz")]
public partial class Http11FuzzTests
{
    private static readonly Http11ResponderOptions s_options = new("ok\n"u8.ToArray(), maxRequestLineBytes: 512, maxHeaderBytes: 2048);

    internal static readonly string[] SeedTexts =
    [
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n\r\n",
        "GET /index.html HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n",
        "POST /submit HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world",
        "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nHEAD /3 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
        "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
        "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: x\r\nX-Long: " + new string('v', 300) + "\r\n\r\n",
    ];

    internal static readonly string[] Tokens =
    [
        "\r\n", "\r\n\r\n", "\n", "\r", " ", "\t", ":", ",", "Host: x\r\n", "Content-Length: 5\r\n", "Content-Length: 0\r\n",
        "Content-Length: 999999999999999999\r\n", "Transfer-Encoding: chunked\r\n", "Connection: close\r\n",
        "Connection: keep-alive\r\n", "HTTP/1.1", "HTTP/1.0", "GET ", "POST ", "HEAD ", " folded\r\n", "\0", "%00", "\xFF",
    ];

    [Fact]
    public void Mutated_requests_parse_the_same_in_any_segmentation_and_never_throw()
    {
        long count = FuzzHarness.Run("http11-parse", Mutator.Text([.. SeedTexts.Select(Http11ParserTests.Bytes)], Tokens), static input =>
        {
            HttpParseStatus whole = Http11Parser.TryParse(new ReadOnlySequence<byte>(input), s_options, out HttpRequestHead head, out SequencePosition end);
            // Byte-sized segments for small inputs; the harness times the whole check, so big ones get bigger segments.
            foreach (int size in input.Length < 2048 ? [1, 4, 7] : new[] { 61, 1000 })
            {
                ReadOnlySequence<byte> split = Segments.Split(input, size);
                HttpParseStatus status = Http11Parser.TryParse(split, s_options, out HttpRequestHead other, out SequencePosition splitEnd);
                Assert.Equal(whole, status);
                if (status == HttpParseStatus.Complete)
                {
                    Assert.Equal(new ReadOnlySequence<byte>(input).Slice(0, end).Length, split.Slice(0, splitEnd).Length);
                    Assert.Equal(head.KeepAlive, other.KeepAlive);
                    Assert.Equal(head.ContentLength, other.ContentLength);
                }
            }

            if (whole == HttpParseStatus.Complete)
            {
                Assert.True(head.ContentLength >= 0);
            }
        }, new FuzzLimits { SlowInput = TimeSpan.FromMilliseconds(20) });

        Assert.True(count > 200, $"only {count} inputs ran");
    }

    [Fact]
    public void Mutated_request_streams_get_well_formed_answers_and_a_close_after_any_error()
    {
        long count = FuzzHarness.Run("http11-respond", Mutator.Text([.. SeedTexts.Select(Http11ParserTests.Bytes)], Tokens), static input =>
        {
            // Feed the stream in reads of varying size, as a socket would.
            var pipe = new Pipe();
            long bodyRemaining = 0;
            bool closed = false;
            int at = 0;
            int scale = 1 + (input.Length / 512);
            int chunk = 1 + (input.Length % 13);
            var pending = new List<byte>();
            while (at < input.Length && !closed)
            {
                int n = Math.Min(chunk * scale, input.Length - at);
                pending.AddRange(input.AsSpan(at, n).ToArray());
                at += n;
                var buffer = new ReadOnlySequence<byte>(pending.ToArray());
                closed = Http11Responder.Process(ref buffer, pipe.Writer, s_options, ref bodyRemaining);
                pending = [.. buffer.ToArray()];
                chunk = (chunk * 7 % 31) + 1;
            }

            pipe.Writer.Complete();
            string output = pipe.Reader.TryRead(out ReadResult result) ? Encoding.Latin1.GetString(result.Buffer) : string.Empty;
            AssertWellFormed(output, closed);
        }, new FuzzLimits { SlowInput = TimeSpan.FromMilliseconds(50) });

        Assert.True(count > 200, $"only {count} inputs ran");
    }

    [Fact]
    public async Task Mutated_requests_over_TLS_end_in_a_close_never_a_hang()
    {
        await using TestServer server = await TestServerFactory.StartAsync(handler: static c => new ValueTask(Http11Responder.RunAsync(c.Transport, s_options, c.ServerStopping)));
        // Each input is one real TLS connection, inside the harness (its watchdog catches a hang).
        FuzzHarness.Run("http11-tls", Mutator.Text([.. SeedTexts.Select(Http11ParserTests.Bytes)], Tokens), input => ExchangeAsync(server, input).GetAwaiter().GetResult(), new FuzzLimits { MaxInputs = 40, SlowInput = TimeSpan.FromSeconds(1) });
    }

    private static async Task ExchangeAsync(TestServer server, byte[] input)
    {
        await using TlsClient client = await TestServerFactory.ConnectTlsAsync(server.EndPoint);
        await client.Ssl.WriteAsync(input);
        await client.Ssl.ShutdownAsync(); // close_notify: the request stream ends here
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new MemoryStream();
        byte[] buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await client.Ssl.ReadAsync(buffer, cts.Token)) > 0)
            {
                received.Write(buffer, 0, n);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no close within 10 s after a {input.Length}-byte request stream: {Convert.ToHexString(input.AsSpan(0, Math.Min(64, input.Length)))}");
        }

        string output = Encoding.Latin1.GetString(received.ToArray());
        AssertWellFormed(output, closed: output.Contains("Connection: close", StringComparison.Ordinal));
    }

    private static void AssertWellFormed(string output, bool closed)
    {
        int errors = 0;
        int at = 0;
        while (at < output.Length)
        {
            Match m = StatusLine().Match(output, at);
            Assert.True(m.Success && m.Index == at, $"not a status line at {at}: {output[at..Math.Min(output.Length, at + 40)]}");
            int headEnd = output.IndexOf("\r\n\r\n", at, StringComparison.Ordinal);
            Assert.True(headEnd > 0, "response head without its end");
            string head = output[at..headEnd];
            int length = int.Parse(ContentLength().Match(head).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            at = headEnd + 4;
            if (m.Groups[1].Value != "200")
            {
                errors++;
                Assert.Contains("Connection: close", head, StringComparison.Ordinal);
                Assert.Equal(0, length);
                Assert.True(at == output.Length, "output after an error response");
            }
            else
            {
                // HEAD gets headers only; any other 200 carries the body.
                if (at + length <= output.Length && output.AsSpan(at, Math.Min(length, output.Length - at)).SequenceEqual("ok\n"))
                {
                    at += length;
                }
            }
        }

        Assert.True(errors <= 1);
        if (errors == 1)
        {
            Assert.True(closed, "an error response without a close");
        }
    }

    [GeneratedRegex(@"HTTP/1\.[01] (\d{3}) [A-Za-z ]+\r\n")]
    private static partial Regex StatusLine();

    [GeneratedRegex(@"Content-Length: (\d+)")]
    private static partial Regex ContentLength();
}
