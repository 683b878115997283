using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using RawTls.Cli.Protocols;

namespace RawTls.Tests.Http;

/// <summary>The grammar of the serve HTTP/1.1 parser, and how the responder answers what it parses.</summary>
public class Http11ParserTests
{
    private static readonly Http11ResponderOptions s_options = new("ok\n"u8.ToArray(), maxRequestLineBytes: 256, maxHeaderBytes: 1024);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public void A_complete_request_parses_in_any_segmentation_and_ends_after_the_blank_line(int segment)
    {
        byte[] request = Bytes("GET /a?b=c HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\nNEXT");

        ReadOnlySequence<byte> sequence = Segments.Split(request, segment);
        HttpParseStatus status = Http11Parser.TryParse(sequence, s_options, out HttpRequestHead head, out SequencePosition end);

        Assert.Equal(HttpParseStatus.Complete, status);
        Assert.Equal(request.Length - "NEXT".Length, sequence.Slice(0, end).Length);
        Assert.False(head.IsHttp10);
        Assert.False(head.IsHead);
        Assert.True(head.KeepAlive);
        Assert.Equal(0, head.ContentLength);
    }

    [Theory]
    [InlineData("")]
    [InlineData("GET / HTTP/1.1")]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r")]
    public void An_incomplete_head_needs_more_data(string text)
    {
        Assert.Equal(HttpParseStatus.NeedMoreData, Parse(text));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\n\n")] // bare LF
    [InlineData("GET / HTTP/1.1\r\nHost: x\n\r\n")] // bare LF in the headers
    [InlineData("GET /  HTTP/1.1\r\nHost: x\r\n\r\n")] // two spaces
    [InlineData(" GET / HTTP/1.1\r\nHost: x\r\n\r\n")] // leading space
    [InlineData("GET HTTP/1.1\r\nHost: x\r\n\r\n")] // no target
    [InlineData("GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n")]
    [InlineData("GET / http/1.1\r\nHost: x\r\n\r\n")] // version is case-sensitive
    [InlineData("GET / HTTP/2.0\r\nHost: x\r\n\r\n")]
    [InlineData("GET / HTTP/1.2\r\nHost: x\r\n\r\n")]
    [InlineData("G(T / HTTP/1.1\r\nHost: x\r\n\r\n")] // method is a token
    [InlineData("GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n")] // control byte in the target
    [InlineData("GET /\x7F HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")] // an empty request line
    public void A_malformed_request_line_is_a_bad_request(string text)
    {
        Assert.Equal(HttpParseStatus.BadRequest, Parse(text));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n")] // obs-fold with SP
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\tfolded\r\n\r\n")] // obs-fold with HT
    [InlineData("GET / HTTP/1.1\r\n folded: first\r\nHost: x\r\n\r\n")] // a first header line starting with SP
    [InlineData("GET / HTTP/1.1\r\nHost : x\r\n\r\n")] // whitespace before the colon
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n: empty-name\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nno-colon\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n")] // NUL in a value
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n")] // CR inside a value
    [InlineData("GET / HTTP/1.1\r\nHo(st: x\r\n\r\n")] // name is a token
    public void Header_folding_and_malformed_header_lines_are_refused(string text)
    {
        Assert.Equal(HttpParseStatus.BadRequest, Parse(text));
    }

    [Fact]
    public void Header_values_are_trimmed_and_may_carry_tabs_and_obs_text()
    {
        Assert.Equal(HttpParseStatus.Complete, Parse("GET / HTTP/1.1\r\nHost:x\r\nX:\t a\tb \xE9 \t\r\n\r\n"));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n")] // HTTP/1.1 without Host
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")] // two Hosts
    [InlineData("GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n")] // two Hosts, HTTP/1.0
    public void Host_must_be_present_once_in_HTTP11_and_at_most_once_in_HTTP10(string text)
    {
        Assert.Equal(HttpParseStatus.BadRequest, Parse(text));
    }

    [Fact]
    public void HTTP10_without_Host_is_accepted()
    {
        Assert.Equal(HttpParseStatus.Complete, Parse("GET / HTTP/1.0\r\n\r\n"));
    }

    [Theory]
    [InlineData(256, "Complete")]
    [InlineData(257, "UriTooLong")]
    public void The_request_line_limit_counts_the_line_up_to_its_CR(int lineBytes, string expected)
    {
        // "GET " + target + " HTTP/1.1\r" is what the limit sees (the LF is cut off).
        string target = "/" + new string('a', lineBytes - "GET  HTTP/1.1\r".Length - 1);
        Assert.Equal(Enum.Parse<HttpParseStatus>(expected), Parse($"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n"));
    }

    [Fact]
    public void A_request_line_past_the_limit_is_refused_before_its_end_arrives()
    {
        Assert.Equal(HttpParseStatus.UriTooLong, Parse("GET /" + new string('a', 300)));
        Assert.Equal(HttpParseStatus.NeedMoreData, Parse("GET /" + new string('a', 200)));
    }

    [Fact]
    public void Headers_past_the_limit_are_refused_complete_or_not()
    {
        string big = "X: " + new string('b', 1100) + "\r\n";
        Assert.Equal(HttpParseStatus.HeadersTooLarge, Parse("GET / HTTP/1.1\r\nHost: x\r\n" + big + "\r\n"));
        Assert.Equal(HttpParseStatus.HeadersTooLarge, Parse("GET / HTTP/1.1\r\nHost: x\r\n" + big));
        Assert.Equal(HttpParseStatus.HeadersTooLarge, Parse("GET / HTTP/1.1\r\nHost: x\r\nX: " + new string('b', 1100)));
        Assert.Equal(HttpParseStatus.Complete, Parse("GET / HTTP/1.1\r\nHost: x\r\nX: " + new string('b', 900) + "\r\n\r\n"));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "BadRequest")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", "BadRequest")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", "NotImplemented")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "NotImplemented")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "BadRequest")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", "Complete")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n", "BadRequest")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n", "BadRequest")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "BadRequest")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n", "BadRequest")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", "BadRequest")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1234567890123456789\r\n\r\n", "BadRequest")] // 19 digits
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length:  7 \r\n\r\n", "Complete")]
    public void Content_length_and_transfer_encoding_conflicts_are_refused(string text, string expected)
    {
        Assert.Equal(Enum.Parse<HttpParseStatus>(expected), Parse(text));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n", true)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\n\r\n", true)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nConnection: closed\r\n\r\n", true)] // a token, not a substring
    [InlineData("GET / HTTP/1.0\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true)]
    [InlineData("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", false)]
    public void Connection_header_decides_keep_alive_by_version(string text, bool keepAlive)
    {
        Assert.Equal(HttpParseStatus.Complete, Http11Parser.TryParse(new ReadOnlySequence<byte>(Bytes(text)), s_options, out HttpRequestHead head, out _));
        Assert.Equal(keepAlive, head.KeepAlive);
    }

    [Fact]
    public void Pipelined_requests_are_answered_in_order_and_their_bodies_skipped()
    {
        string answers = Respond("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloHEAD /3 HTTP/1.1\r\nHost: x\r\n\r\n", out bool close, out long left);

        Assert.False(close);
        Assert.Equal(0, left);
        Assert.Equal(3, Count(answers, "HTTP/1.1 200 OK"));
        Assert.Equal(2, Count(answers, "\r\n\r\nok\n")); // HEAD gets no body
    }

    [Fact]
    public void A_body_split_across_reads_is_skipped_before_the_next_request()
    {
        var pipe = new Pipe();
        long bodyRemaining = 0;
        var first = new ReadOnlySequence<byte>(Bytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello"));
        Assert.False(Http11Responder.Process(ref first, pipe.Writer, s_options, ref bodyRemaining));
        Assert.Equal(5, bodyRemaining);
        var second = new ReadOnlySequence<byte>(Bytes("worldGET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.False(Http11Responder.Process(ref second, pipe.Writer, s_options, ref bodyRemaining));
        Assert.Equal(2, Count(Drain(pipe), "HTTP/1.1 200 OK"));
    }

    [Fact]
    public void Requests_pipelined_behind_connection_close_are_not_answered()
    {
        string answers = Respond("GET /1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n", out bool close, out _);

        Assert.True(close);
        Assert.Equal(1, Count(answers, "HTTP/1.1 200 OK"));
        Assert.Contains("Connection: close\r\n", answers, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", "HTTP/1.1 501 Not Implemented")]
    [InlineData("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "HTTP/1.1 414 URI Too Long")]
    public void A_refused_request_is_answered_once_and_closes_even_after_good_ones(string bad, string statusLine)
    {
        string answers = Respond("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n" + bad + "GET /never HTTP/1.1\r\nHost: x\r\n\r\n", out bool close, out _);

        Assert.True(close);
        Assert.StartsWith("HTTP/1.1 200 OK", answers, StringComparison.Ordinal);
        Assert.Equal(1, Count(answers, statusLine));
        Assert.Equal(1, Count(answers, "HTTP/1.1 200 OK"));
        Assert.EndsWith("Connection: close\r\n\r\n", answers, StringComparison.Ordinal);
    }

    [Fact]
    public void Parsing_allocates_nothing_whether_the_head_is_in_one_segment_or_split()
    {
        byte[] request = Bytes("GET /a?b=c HTTP/1.1\r\nHost: x\r\nAccept: */*\r\nContent-Length: 0\r\n\r\n");
        var whole = new ReadOnlySequence<byte>(request);
        ReadOnlySequence<byte> split = Segments.Split(request, 7);
        for (int i = 0; i < 100; i++)
        {
            Http11Parser.TryParse(whole, s_options, out _, out _);
            Http11Parser.TryParse(split, s_options, out _, out _); // warm the pool's bucket for this thread
        }

        int complete = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            complete += Http11Parser.TryParse(whole, s_options, out _, out _) == HttpParseStatus.Complete ? 1 : 0;
            complete += Http11Parser.TryParse(split, s_options, out _, out _) == HttpParseStatus.Complete ? 1 : 0;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(2000, complete);
        Assert.Equal(0, allocated);
    }

    internal static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    private static HttpParseStatus Parse(string text)
    {
        byte[] bytes = Bytes(text);
        HttpParseStatus whole = Http11Parser.TryParse(new ReadOnlySequence<byte>(bytes), s_options, out _, out _);
        HttpParseStatus split = Http11Parser.TryParse(Segments.Split(bytes, 2), s_options, out _, out _);
        Assert.Equal(whole, split); // segmentation never changes the verdict
        return whole;
    }

    private static string Respond(string text, out bool close, out long bodyRemaining)
    {
        var pipe = new Pipe();
        var buffer = new ReadOnlySequence<byte>(Bytes(text));
        bodyRemaining = 0;
        close = Http11Responder.Process(ref buffer, pipe.Writer, s_options, ref bodyRemaining);
        return Drain(pipe);
    }

    private static string Drain(Pipe pipe)
    {
        pipe.Writer.Complete();
        Assert.True(pipe.Reader.TryRead(out ReadResult result));
        string text = Encoding.Latin1.GetString(result.Buffer);
        pipe.Reader.AdvanceTo(result.Buffer.End);
        return text;
    }

    private static int Count(string haystack, string needle)
    {
        int n = 0;
        for (int at = haystack.IndexOf(needle, StringComparison.Ordinal); at >= 0; at = haystack.IndexOf(needle, at + needle.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
