using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using RawTls.Server;
using RawTls.Server.Internal;
using RawTls.Stapling;
using RawTls.Tests.Infrastructure;
using RawTls.Tests.Reload;

namespace RawTls.Tests.Server;

/// <summary>A real server on loopback behind a PROXY header: the client's address comes through, hostile headers close.</summary>
[Collection(RawTls.Tests.Infrastructure.TimingSensitive.Name)]
public sealed class ProxyProtocolServerTests
{
    private static readonly IPEndPoint s_client = new(IPAddress.Parse("203.0.113.7"), 51000);
    private static readonly IPEndPoint s_balancer = new(IPAddress.Parse("198.51.100.1"), 443);

    /// <summary>Answers one line: what the connection says about its addresses and TLVs, then closes.</summary>
    private static async ValueTask DescribeHandler(TlsConnection connection)
    {
        ProxyProtocolInfo? info = connection.ProxyProtocol;
        string text = $"remote={connection.RemoteEndPoint} proxy={connection.ProxyEndPoint?.ToString() ?? "-"} version={info?.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} local={info?.IsLocal.ToString() ?? "-"} alpn={(info is null ? "-" : Encoding.ASCII.GetString(info.ApplicationProtocol.Span))} authority={info?.Authority ?? "-"}\n";
        await connection.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes(text));
    }

    private static Task<TestServer> StartAsync(Action<ListenOptions>? configure = null, Action<TlsServerOptions>? server = null) =>
        TestServerFactory.StartAsync(options =>
        {
            var listen = new ListenOptions { ProxyProtocol = ProxyProtocolMode.Any, ProxyHeaderTimeout = TimeSpan.FromMilliseconds(500) };
            listen.ProxyTrustedNetworks.Add(IPNetwork.Parse("127.0.0.0/8"));
            configure?.Invoke(listen);
            options.EndPointOptions[options.EndPoints[0]] = listen;
            options.MaxConcurrentHandshakes = 4;
            server?.Invoke(options);
        }, DescribeHandler);

    /// <summary>Connects, sends <paramref name="header"/> (in <paramref name="chunks"/> writes), handshakes and reads the handler's line.</summary>
    private static async Task<string> RequestAsync(IPEndPoint endPoint, byte[] header, int chunks = 1, bool coalesce = false)
    {
        using var socket = await TestServerFactory.ConnectRawAsync(endPoint);
        var stream = new NetworkStream(socket, ownsSocket: false);
        Stream transport = stream;
        if (coalesce)
        {
            transport = new PrefixStream(stream, header); // header and ClientHello leave in one write
        }
        else
        {
            int size = (header.Length + chunks - 1) / chunks;
            for (int at = 0; at < header.Length; at += size)
            {
                await socket.SendAsync(header.AsMemory(at, Math.Min(size, header.Length - at)));
                if (chunks > 1)
                {
                    await Task.Delay(20); // separate segments, so the server reads the header in pieces
                }
            }
        }

        await using var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
        using var cts = new CancellationTokenSource(TestServerFactory.DefaultWait);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = static (_, _, _, _) => true }, cts.Token);
        using var reader = new StreamReader(ssl);
        return await reader.ReadLineAsync(cts.Token) ?? string.Empty;
    }

    private static byte[] V2Client(params (byte Type, byte[] Value)[] tlvs) => ProxyHeaderParserTests.V2Tcp(s_client, s_balancer, tlvs);

    [Fact]
    public async Task A_v2_header_makes_the_client_the_remote_end_point_and_exposes_alpn_and_authority()
    {
        await using var server = await StartAsync();
        string line = await RequestAsync(server.EndPoint, V2Client((0x01, "h2"u8.ToArray()), (0x04, new byte[5]), (0x02, "www.example.com"u8.ToArray())));
        Assert.StartsWith("remote=203.0.113.7:51000 proxy=127.0.0.1:", line, StringComparison.Ordinal);
        Assert.EndsWith("version=2 local=False alpn=h2 authority=www.example.com", line, StringComparison.Ordinal);
        Assert.Equal(1, server.Server.ProxyReporter!.Accepted);
        Assert.Equal(1, server.Recorded.Sum("rawtls.proxy_protocol.accepted"));
    }

    [Fact]
    public async Task A_v1_line_sent_byte_by_byte_or_glued_to_the_client_hello_is_consumed_exactly()
    {
        await using var server = await StartAsync();
        byte[] v1 = Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::7 2001:db8::1 40000 443\r\n");
        Assert.StartsWith("remote=[2001:db8::7]:40000 proxy=127.0.0.1:", await RequestAsync(server.EndPoint, v1, chunks: 8), StringComparison.Ordinal);
        Assert.StartsWith("remote=[2001:db8::7]:40000 ", await RequestAsync(server.EndPoint, v1, coalesce: true), StringComparison.Ordinal);
        Assert.StartsWith("remote=203.0.113.7:51000 ", await RequestAsync(server.EndPoint, V2Client(), coalesce: true), StringComparison.Ordinal);
        Assert.StartsWith("remote=203.0.113.7:51000 ", await RequestAsync(server.EndPoint, V2Client(), chunks: 5), StringComparison.Ordinal);
        Assert.Equal(4, server.Server.ProxyReporter!.Accepted);
        Assert.Equal(0, server.Server.ProxyReporter.RejectedTotal);
    }

    [Fact]
    public async Task Local_and_unknown_headers_keep_the_socket_address()
    {
        await using var server = await StartAsync();
        string local = await RequestAsync(server.EndPoint, ProxyHeaderParserTests.V2(0x20, 0x00, []));
        Assert.Matches(@"^remote=127\.0\.0\.1:\d+ proxy=127\.0\.0\.1:\d+ version=2 local=True ", local);
        string unknown = await RequestAsync(server.EndPoint, Encoding.ASCII.GetBytes("PROXY UNKNOWN\r\n"));
        Assert.Matches(@"^remote=127\.0\.0\.1:\d+ proxy=127\.0\.0\.1:\d+ version=1 local=True ", unknown);
    }

    public static TheoryData<string, byte[], string> Hostile => new()
    {
        { "truncated v2", ProxyHeaderParserTests.V2Tcp(s_client, s_balancer)[..20], "truncated" },
        { "truncated v1", "PROXY TCP4 1.2.3.4"u8.ToArray(), "truncated" },
        { "oversized v2", ProxyHeaderParserTests.V2(0x21, 0x11, new byte[12], length: 4000)[..16], "too_large" },
        { "oversized v1", Encoding.ASCII.GetBytes("PROXY UNKNOWN " + new string('x', 120)), "too_large" },
        { "v2 bad signature", Corrupt(ProxyHeaderParserTests.V2Tcp(s_client, s_balancer), 6), "no_header" },
        { "v2 bad length", ProxyHeaderParserTests.V2(0x21, 0x11, new byte[11]), "malformed" },
        { "v2 tlv past the end", ProxyHeaderParserTests.V2(0x21, 0x11, [.. new byte[12], 0x01, 0x00, 0x09, 0x68]), "malformed" },
        { "v2 bad version", ProxyHeaderParserTests.V2(0x31, 0x11, new byte[12]), "malformed" },
        { "v1 without CRLF", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"u8.ToArray(), "malformed" },
        { "no header (a TLS hello)", [0x16, 0x03, 0x01, 0x02, 0x00, 0x01], "no_header" },
        { "plain HTTP", "GET / HTTP/1.1\r\n\r\n"u8.ToArray(), "no_header" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Hostile_headers_close_the_connection_are_counted_and_the_server_keeps_serving(string what, byte[] bytes, string reason)
    {
        await using var server = await StartAsync();
        for (int i = 0; i < 6; i++) // more than MaxConcurrentHandshakes: a rejection gives its handshake slot back
        {
            using var socket = await TestServerFactory.ConnectRawAsync(server.EndPoint);
            await socket.SendAsync(bytes);
            if (reason == "truncated")
            {
                socket.Shutdown(SocketShutdown.Send);
            }

            var (_, elapsed) = await TestServerFactory.WaitForServerCloseAsync(socket, TimeSpan.FromSeconds(5));
            Assert.True(elapsed < TimeSpan.FromSeconds(2), $"{what}: closed after {elapsed}, not at once");
        }

        await TestServerFactory.WaitUntilAsync(() => server.Recorded.Sum("rawtls.proxy_protocol.rejected", reason) == 6, $"{what}: 6 rejections counted as {reason}");
        Assert.Equal(6, server.Server.ProxyReporter!.RejectedTotal);
        Assert.StartsWith("remote=203.0.113.7:51000 ", await RequestAsync(server.EndPoint, V2Client()), StringComparison.Ordinal);
        Assert.Equal(0, server.Counters.HandshakesFailed); // closed before TLS: not a handshake failure
    }

    [Fact]
    public async Task A_slow_header_is_closed_at_the_header_timeout_and_the_server_keeps_serving()
    {
        await using var server = await StartAsync();
        using var socket = await TestServerFactory.ConnectRawAsync(server.EndPoint);
        await socket.SendAsync(ProxyHeaderParserTests.V2Tcp(s_client, s_balancer)[..10]);
        var (_, elapsed) = await TestServerFactory.WaitForServerCloseAsync(socket, TimeSpan.FromSeconds(5));
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(2));
        // The close comes first (the abort), the count when the connection's own code sees it.
        await TestServerFactory.WaitUntilAsync(() => server.Server.ProxyReporter!.Rejected(ProxyRejectReason.Timeout) == 1 && server.Recorded.Sum("rawtls.proxy_protocol.rejected", "timeout") == 1, "a timeout rejection");
        Assert.Equal(1, server.Recorded.Sum("rawtls.proxy_protocol.rejected", "timeout"));
        Assert.StartsWith("remote=203.0.113.7:51000 ", await RequestAsync(server.EndPoint, V2Client()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_header_from_an_untrusted_source_is_closed_before_it_is_read()
    {
        await using var server = await StartAsync(listen =>
        {
            listen.ProxyTrustedNetworks.Clear();
            listen.ProxyTrustedNetworks.Add(IPNetwork.Parse("10.0.0.0/8"));
            listen.ProxyTrustedNetworks.Add(IPNetwork.Parse("::1/128"));
        });
        using (var socket = await TestServerFactory.ConnectRawAsync(server.EndPoint))
        {
            await socket.SendAsync(V2Client());
            await TestServerFactory.WaitForServerCloseAsync(socket, TimeSpan.FromSeconds(5));
        }

        await TestServerFactory.WaitUntilAsync(() => server.Server.ProxyReporter!.Rejected(ProxyRejectReason.Untrusted) == 1 && server.Recorded.Sum("rawtls.proxy_protocol.rejected", "untrusted") == 1, "an untrusted rejection");
        Assert.Equal(1, server.Recorded.Sum("rawtls.proxy_protocol.rejected", "untrusted"));
        Assert.Equal(0, server.Server.ProxyReporter!.Accepted);
    }

    [Fact]
    public async Task A_version_the_endpoint_does_not_take_is_refused()
    {
        await using var server = await StartAsync(listen => listen.ProxyProtocol = ProxyProtocolMode.V2);
        using (var socket = await TestServerFactory.ConnectRawAsync(server.EndPoint))
        {
            await socket.SendAsync("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"u8.ToArray());
            await TestServerFactory.WaitForServerCloseAsync(socket, TimeSpan.FromSeconds(5));
        }

        await TestServerFactory.WaitUntilAsync(() => server.Server.ProxyReporter!.Rejected(ProxyRejectReason.Version) == 1, "a version rejection");
        Assert.StartsWith("remote=203.0.113.7:51000 ", await RequestAsync(server.EndPoint, V2Client()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejections_are_logged_at_most_once_per_interval_with_the_count()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new LogCollector();
        await using var server = await StartAsync(server: o =>
        {
            o.TimeProvider = time;
            o.LoggerFactory = logs;
            o.Stapling.Mode = StaplingMode.Off;
        });

        async Task RejectAsync()
        {
            using var socket = await TestServerFactory.ConnectRawAsync(server.EndPoint);
            await socket.SendAsync("GET /\r\n\r\n"u8.ToArray());
            await TestServerFactory.WaitForServerCloseAsync(socket, TimeSpan.FromSeconds(5));
        }

        string[] Reports() => [.. logs.At(LogLevel.Warning).Where(m => m.StartsWith("PROXY protocol", StringComparison.Ordinal))];

        for (int i = 0; i < 5; i++)
        {
            await RejectAsync();
        }

        await TestServerFactory.WaitUntilAsync(() => server.Server.ProxyReporter!.RejectedTotal == 5, "5 rejections");
        Assert.Single(Reports());
        Assert.Contains("closed 1 connection(s)", Reports()[0], StringComparison.Ordinal);
        Assert.Contains("no_header from 127.0.0.1:", Reports()[0], StringComparison.Ordinal);

        time.Advance(ProxyRejectionReporter.LogInterval);
        await RejectAsync();
        await TestServerFactory.WaitUntilAsync(() => Reports().Length == 2, "a second report after the interval");
        Assert.Contains("closed 5 connection(s)", Reports()[1], StringComparison.Ordinal); // 4 held back + this one
    }

    [Fact]
    public async Task Bad_settings_fail_the_start_naming_the_option_and_its_range()
    {
        var empty = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => StartAsync(l => l.ProxyTrustedNetworks.Clear()));
        Assert.Contains("TlsServerOptions.EndPointOptions[127.0.0.1:0].ProxyTrustedNetworks is empty", empty.Message, StringComparison.Ordinal);
        var timeout = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => StartAsync(l => l.ProxyHeaderTimeout = TimeSpan.FromMilliseconds(10)));
        Assert.Contains(".ProxyHeaderTimeout is 00:00:00.0100000; allowed: 00:00:00.1000000 to 00:01:00.", timeout.Message, StringComparison.Ordinal);
        var size = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => StartAsync(l => l.MaxProxyHeaderBytes = 100));
        Assert.Contains(".MaxProxyHeaderBytes is 100; allowed: 108 to 65,551.", size.Message, StringComparison.Ordinal);
        var stray = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(server: o => o.EndPointOptions[new IPEndPoint(IPAddress.Loopback, 1)] = new ListenOptions()));
        Assert.Contains("EndPointOptions", stray.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_with_configure_keeps_plain_endpoints_plain()
    {
        var certificate = TestPki.SelfSigned("localhost");
        var options = new TlsServerOptions()
            .Listen(IPAddress.Loopback, 0)
            .Listen(IPAddress.Loopback, 0, l =>
            {
                l.ProxyProtocol = ProxyProtocolMode.V2;
                l.ProxyTrustedNetworks.Add(IPNetwork.Parse("127.0.0.1/32"));
            });
        options.Certificates.Add(RawTls.Certificates.ServerCertificateOptions.FromCertificate(certificate));
        await using var server = new TlsServer(options, DescribeHandler);
        await server.StartAsync();

        await using var direct = await TestServerFactory.ConnectTlsAsync(server.LocalEndPoints[0]);
        using var reader = new StreamReader(direct.Ssl);
        Assert.Matches(@"^remote=127\.0\.0\.1:\d+ proxy=- version=- ", await reader.ReadLineAsync());

        Assert.StartsWith("remote=203.0.113.7:51000 ", await RequestAsync(server.LocalEndPoints[1], V2Client()), StringComparison.Ordinal);
        Assert.Equal(1, server.ProxyReporter!.Accepted);
        certificate.Dispose();
    }

    private static byte[] Corrupt(byte[] bytes, int index)
    {
        bytes[index] ^= 0x40;
        return bytes;
    }

    /// <summary>A stream whose first write is prefixed with the header, so both leave in one segment.</summary>
    private sealed class PrefixStream(Stream inner, byte[] prefix) : Stream
    {
        private byte[]? _prefix = prefix;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            byte[]? prefix = Interlocked.Exchange(ref _prefix, null);
            if (prefix is null)
            {
                await inner.WriteAsync(buffer, cancellationToken);
                return;
            }

            await inner.WriteAsync((byte[])[.. prefix, .. buffer.Span], cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
