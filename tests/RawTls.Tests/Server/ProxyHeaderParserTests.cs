using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RawTls.Server;
using RawTls.Server.Internal;

namespace RawTls.Tests.Server;

/// <summary>The PROXY header parser as a pure function: every valid form, every split point, every way to break it.</summary>
public sealed class ProxyHeaderParserTests
{
    private const int Max = 1024;

    private static readonly byte[] s_tlsHello = [0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00];

    internal static byte[] V2(byte verCmd, byte family, byte[] block, int? length = null)
    {
        byte[] header = new byte[16 + block.Length];
        new byte[] { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A }.CopyTo(header, 0);
        header[12] = verCmd;
        header[13] = family;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)(length ?? block.Length));
        block.CopyTo(header, 16);
        return header;
    }

    internal static byte[] V2Tcp(IPEndPoint source, IPEndPoint destination, params (byte Type, byte[] Value)[] tlvs)
    {
        bool v4 = source.AddressFamily == AddressFamily.InterNetwork;
        var block = new List<byte>();
        block.AddRange(source.Address.GetAddressBytes());
        block.AddRange(destination.Address.GetAddressBytes());
        block.Add((byte)(source.Port >> 8));
        block.Add((byte)source.Port);
        block.Add((byte)(destination.Port >> 8));
        block.Add((byte)destination.Port);
        foreach (var (type, value) in tlvs)
        {
            block.Add(type);
            block.Add((byte)(value.Length >> 8));
            block.Add((byte)value.Length);
            block.AddRange(value);
        }

        return V2(0x21, v4 ? (byte)0x11 : (byte)0x21, [.. block]);
    }

    private static ProxyParseStatus Parse(byte[] input, out ProxyHeader header, out int consumed, ProxyProtocolMode mode = ProxyProtocolMode.Any, int max = Max)
        => ProxyHeaderParser.TryParse(input, mode, max, out header, out consumed);

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static byte[] Concat(byte[] a, byte[] b) => [.. a, .. b];

    /// <summary>Every proper prefix of a valid header asks for more; the whole header, with TLS bytes behind it, is consumed exactly.</summary>
    private static ProxyHeader AssertParsesAtEverySplit(byte[] header, ProxyProtocolMode mode = ProxyProtocolMode.Any)
    {
        for (int n = 0; n < header.Length; n++)
        {
            Assert.Equal(ProxyParseStatus.NeedMoreData, ProxyHeaderParser.TryParse(header.AsSpan(0, n), mode, Max, out _, out _));
        }

        Assert.Equal(ProxyParseStatus.Complete, ProxyHeaderParser.TryParse(header, mode, Max, out ProxyHeader exact, out int consumed));
        Assert.Equal(header.Length, consumed);
        Assert.Equal(ProxyParseStatus.Complete, ProxyHeaderParser.TryParse(Concat(header, s_tlsHello), mode, Max, out _, out consumed));
        Assert.Equal(header.Length, consumed);
        return exact;
    }

    [Theory]
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n", "192.168.0.1", 56324, "192.168.0.11", 443)]
    [InlineData("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n", "0.0.0.0", 0, "255.255.255.255", 65535)]
    [InlineData("PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n", "2001:db8::1", 1, "2001:db8::2", 2)]
    [InlineData("PROXY TCP6 ::1 ::1 40000 8443\r\n", "::1", 40000, "::1", 8443)]
    [InlineData("PROXY TCP6 :: 1:: 1 2\r\n", "::", 1, "1::", 2)]
    [InlineData("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff FFFF:0:0:0:0:0:0:1 65535 65535\r\n", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, "ffff::1", 65535)]
    [InlineData("PROXY TCP6 ::ffff:127.0.0.1 1:2:3:4:5:6:7:8 9 10\r\n", "::ffff:127.0.0.1", 9, "1:2:3:4:5:6:7:8", 10)]
    [InlineData("PROXY TCP6 1:2:3:4:5:6::8 fe80::1:2 9 10\r\n", "1:2:3:4:5:6:0:8", 9, "fe80::1:2", 10)]
    public void V1_tcp_lines_give_the_addresses_at_every_split(string line, string source, int sourcePort, string destination, int destinationPort)
    {
        ProxyHeader header = AssertParsesAtEverySplit(Ascii(line));
        Assert.Equal(1, header.Version);
        Assert.False(header.IsLocal);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(source), sourcePort), header.SourceEndPoint());
        Assert.Equal(new IPEndPoint(IPAddress.Parse(destination), destinationPort), header.DestinationEndPoint());
        Assert.Equal(-1, header.AlpnLength);
    }

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n")]
    [InlineData("PROXY UNKNOWN anything at all\r\n")]
    public void V1_unknown_is_local_and_the_rest_of_the_line_is_ignored(string line)
    {
        ProxyHeader header = AssertParsesAtEverySplit(Ascii(line));
        Assert.True(header.IsLocal);
        Assert.Null(header.SourceEndPoint());
    }

    [Fact]
    public void V1_worst_case_line_of_107_bytes_fits_and_108_does_not()
    {
        string worst = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
        Assert.Equal(107, worst.Length);
        Assert.Equal(ProxyParseStatus.Complete, Parse(Ascii(worst), out _, out int consumed));
        Assert.Equal(107, consumed);
        Assert.Equal(ProxyParseStatus.TooLarge, Parse(Ascii(worst.Replace("65535 65535", "65535 655355", StringComparison.Ordinal)), out _, out _));
        Assert.Equal(ProxyParseStatus.TooLarge, Parse(Ascii("PROXY UNKNOWN " + new string('a', 100)), out _, out _));
    }

    [Theory]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n")] // bare LF
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX")] // CR without LF
    [InlineData("PROXY TCP4 1.2.3.4\r 5.6.7.8 1 2\r\n")] // CR inside the line
    [InlineData("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n")] // two spaces
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n")] // trailing space
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n")] // missing port
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n")] // extra field
    [InlineData("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n")] // leading zero in an octet
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n")] // leading zero in a port
    [InlineData("PROXY TCP4 256.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n")]
    [InlineData("PROXY TCP4 ::1 ::1 1 2\r\n")] // family mismatch
    [InlineData("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP6 1::2::3 ::1 1 2\r\n")] // two "::"
    [InlineData("PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n")] // 112 bits
    [InlineData("PROXY TCP6 12345::1 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 :1 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 1: ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 g::1 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 1:2:3:4:5:6:7:1.2.3.4 ::1 1 2\r\n")] // 144 bits
    [InlineData("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY UNKNOWNX\r\n")]
    [InlineData("PROXY \r\n")]
    public void V1_lines_that_break_the_spec_are_malformed(string line)
    {
        Assert.Equal(ProxyParseStatus.Malformed, Parse(Ascii(line), out _, out _));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXZ TCP4\r\n")]
    [InlineData("PROXY\r\n")]
    public void Bytes_that_start_no_signature_are_not_the_proxy_protocol(string text)
    {
        Assert.Equal(ProxyParseStatus.NotProxyProtocol, Parse(Ascii(text), out _, out _));
    }

    [Fact]
    public void A_tls_client_hello_is_not_the_proxy_protocol_from_its_first_byte()
    {
        Assert.Equal(ProxyParseStatus.NotProxyProtocol, Parse(s_tlsHello[..1], out _, out _));
        Assert.Equal(ProxyParseStatus.NotProxyProtocol, Parse(s_tlsHello, out _, out _));
    }

    [Fact]
    public void V2_tcp4_with_alpn_and_authority_tlvs_at_every_split()
    {
        byte[] header = V2Tcp(
            new IPEndPoint(IPAddress.Parse("203.0.113.7"), 51000),
            new IPEndPoint(IPAddress.Parse("198.51.100.1"), 443),
            (0x04, [0, 0, 0]), // NOOP
            (0x01, "h2"u8.ToArray()),
            (0x03, [1, 2, 3, 4]), // CRC32C: not verified, ignored
            (0x02, "www.example.com"u8.ToArray()),
            (0x20, [1, 0, 0, 0, 0]), // SSL
            (0xE0, []), // custom, empty
            (0x01, "http/1.1"u8.ToArray())); // a second ALPN: the first wins
        ProxyHeader parsed = AssertParsesAtEverySplit(header);
        Assert.Equal(2, parsed.Version);
        Assert.False(parsed.IsLocal);
        Assert.Equal(AddressFamily.InterNetwork, parsed.Family);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 51000), parsed.SourceEndPoint());
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.1"), 443), parsed.DestinationEndPoint());
        ProxyProtocolInfo info = parsed.ToInfo(header);
        Assert.Equal("h2", Encoding.ASCII.GetString(info.ApplicationProtocol.Span));
        Assert.Equal("www.example.com", info.Authority);
    }

    [Fact]
    public void V2_tcp6_without_tlvs()
    {
        byte[] header = V2Tcp(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 1), new IPEndPoint(IPAddress.Parse("2001:db8::1"), 65535));
        ProxyHeader parsed = AssertParsesAtEverySplit(header);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 1), parsed.SourceEndPoint());
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 65535), parsed.DestinationEndPoint());
        ProxyProtocolInfo info = parsed.ToInfo(header);
        Assert.True(info.ApplicationProtocol.IsEmpty);
        Assert.Null(info.Authority);
    }

    [Theory]
    [InlineData(0x20, 0x00, 0)] // LOCAL, UNSPEC, no block (HAProxy's health checks)
    [InlineData(0x20, 0x11, 12)] // LOCAL with an address block: skipped
    [InlineData(0x20, 0xFF, 7)] // LOCAL ignores the family byte entirely
    [InlineData(0x21, 0x00, 0)] // PROXY, UNSPEC
    [InlineData(0x21, 0x00, 20)] // PROXY, UNSPEC with bytes: skipped whole
    [InlineData(0x21, 0x12, 12)] // UDP over IPv4: falls back to the real addresses
    [InlineData(0x21, 0x22, 36)]
    [InlineData(0x21, 0x31, 216)] // UNIX stream
    [InlineData(0x21, 0x10, 12)] // IPv4, UNSPEC transport
    public void V2_local_unspec_udp_and_unix_use_the_socket_addresses(byte verCmd, byte family, int blockLength)
    {
        ProxyHeader parsed = AssertParsesAtEverySplit(V2(verCmd, family, new byte[blockLength]));
        Assert.Equal(2, parsed.Version);
        Assert.True(parsed.IsLocal);
        Assert.Null(parsed.SourceEndPoint());
    }

    [Theory]
    [InlineData(0x11, 0x11, 12, null)] // version 1 in a v2 header
    [InlineData(0x31, 0x11, 12, null)] // version 3
    [InlineData(0x22, 0x11, 12, null)] // command 2
    [InlineData(0x2F, 0x11, 12, null)]
    [InlineData(0x21, 0x41, 12, null)] // family 4
    [InlineData(0x21, 0x13, 12, null)] // transport 3
    [InlineData(0x21, 0x11, 11, null)] // length cannot hold two IPv4 addresses and ports
    [InlineData(0x21, 0x21, 35, null)]
    [InlineData(0x21, 0x31, 215, null)]
    [InlineData(0x21, 0x11, 14, null)] // two stray bytes: a TLV needs three
    [InlineData(0x21, 0x11, 12, new byte[] { 0x01, 0x00, 0x05, (byte)'h' })] // TLV value runs past the header
    [InlineData(0x21, 0x11, 12, new byte[] { 0x01, 0xFF, 0xFF })]
    public void V2_headers_with_a_bad_version_command_family_or_length_are_malformed(byte verCmd, byte family, int blockLength, byte[]? tlvs)
    {
        byte[] block = [.. new byte[blockLength], .. tlvs ?? []];
        Assert.Equal(ProxyParseStatus.Malformed, Parse(V2(verCmd, family, block), out _, out _));
    }

    [Fact]
    public void V2_bad_version_is_malformed_as_soon_as_its_byte_arrives()
    {
        byte[] header = V2(0x11, 0x11, new byte[12]);
        Assert.Equal(ProxyParseStatus.Malformed, Parse(header[..13], out _, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(11)]
    public void V2_with_a_bad_signature_byte_is_not_the_proxy_protocol(int index)
    {
        byte[] header = V2Tcp(new IPEndPoint(IPAddress.Loopback, 1), new IPEndPoint(IPAddress.Loopback, 2));
        header[index] ^= 0x40;
        Assert.Equal(ProxyParseStatus.NotProxyProtocol, Parse(header, out _, out _));
        Assert.Equal(ProxyParseStatus.NotProxyProtocol, Parse(header[..(index + 1)], out _, out _));
    }

    [Fact]
    public void V2_longer_than_the_limit_is_too_large_from_its_fixed_part()
    {
        byte[] big = V2(0x21, 0x11, new byte[12], length: 2000);
        Assert.Equal(ProxyParseStatus.TooLarge, Parse(big[..16], out _, out _));
        Assert.Equal(ProxyParseStatus.TooLarge, Parse(V2(0x21, 0x11, new byte[12], length: 65535)[..16], out _, out _, max: ListenOptions.MaxProxyHeaderBytesLimit - 1));
        byte[] justFits = V2(0x21, 0x11, new byte[Max - 16]);
        Assert.Equal(ProxyParseStatus.Complete, Parse(justFits, out _, out int consumed));
        Assert.Equal(Max, consumed);
        Assert.Equal(ProxyParseStatus.TooLarge, Parse(V2(0x21, 0x11, new byte[Max - 15]), out _, out _));
    }

    [Fact]
    public void A_version_the_endpoint_does_not_accept_is_refused_once_its_signature_is_whole()
    {
        byte[] v1 = Ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n");
        byte[] v2 = V2Tcp(new IPEndPoint(IPAddress.Loopback, 1), new IPEndPoint(IPAddress.Loopback, 2));
        Assert.Equal(ProxyParseStatus.VersionNotAllowed, Parse(v1, out _, out _, ProxyProtocolMode.V2));
        Assert.Equal(ProxyParseStatus.VersionNotAllowed, Parse(v2, out _, out _, ProxyProtocolMode.V1));
        Assert.Equal(ProxyParseStatus.Complete, Parse(v1, out _, out _, ProxyProtocolMode.V1));
        Assert.Equal(ProxyParseStatus.Complete, Parse(v2, out _, out _, ProxyProtocolMode.V2));
        AssertParsesAtEverySplit(v1, ProxyProtocolMode.V1);
        AssertParsesAtEverySplit(v2, ProxyProtocolMode.V2);
    }

    [Theory]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("1::")]
    [InlineData("fe80::")]
    [InlineData("2001:db8:0:0:1:0:0:1")]
    [InlineData("2001:db8::1:0:0:1")]
    [InlineData("0:0:0:0:0:0:0:0")]
    [InlineData("::ffff:192.0.2.128")]
    [InlineData("::192.0.2.128")]
    [InlineData("64:ff9b::192.0.2.33")]
    [InlineData("abcd:EF01:2345:6789:abcd:ef01:2345:6789")]
    public void Ipv6_text_matches_the_runtime_parser(string text)
    {
        Span<byte> bytes = stackalloc byte[16];
        Assert.True(ProxyTextAddress.TryParseIPv6(Encoding.ASCII.GetBytes(text), bytes));
        Assert.Equal(IPAddress.Parse(text).GetAddressBytes(), bytes.ToArray());
    }

    [Fact]
    public void Random_bytes_never_throw_and_never_consume_more_than_given()
    {
        var random = new Random(11);
        byte[] v2 = V2Tcp(new IPEndPoint(IPAddress.Loopback, 1), new IPEndPoint(IPAddress.Loopback, 2), (0x01, "h2"u8.ToArray()));
        byte[] v1 = Ascii("PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n");
        for (int i = 0; i < 20_000; i++)
        {
            byte[] input = (i % 3) switch
            {
                0 => RandomBytes(random, random.Next(0, 300)),
                1 => Mutate(random, v2),
                _ => Mutate(random, v1),
            };
            ProxyParseStatus status = Parse(input, out ProxyHeader header, out int consumed, max: 256);
            Assert.InRange(consumed, 0, input.Length);
            if (status == ProxyParseStatus.Complete)
            {
                Assert.True(consumed > 0);
                _ = header.ToInfo(input); // offsets stay inside the input
            }
            else
            {
                Assert.Equal(0, consumed);
            }
        }
    }

    [Fact]
    public void Parsing_allocates_nothing()
    {
        byte[] v2 = V2Tcp(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 1), new IPEndPoint(IPAddress.Parse("2001:db8::1"), 2), (0x01, "h2"u8.ToArray()), (0x02, "a.example"u8.ToArray()));
        byte[] v1 = Ascii("PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 56324 443\r\n");
        byte[] v14 = Ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
        for (int i = 0; i < 10; i++)
        {
            Parse(v2, out _, out _);
            Parse(v1, out _, out _);
            Parse(v14, out _, out _);
        }

        int complete = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            complete += ProxyHeaderParser.TryParse(v2, ProxyProtocolMode.Any, Max, out _, out _) == ProxyParseStatus.Complete ? 1 : 0;
            complete += ProxyHeaderParser.TryParse(v1, ProxyProtocolMode.Any, Max, out _, out _) == ProxyParseStatus.Complete ? 1 : 0;
            complete += ProxyHeaderParser.TryParse(v14, ProxyProtocolMode.Any, Max, out _, out _) == ProxyParseStatus.Complete ? 1 : 0;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(3000, complete);
        Assert.Equal(0, allocated);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] valid)
    {
        byte[] copy = valid[..random.Next(0, valid.Length + 1)];
        for (int k = random.Next(0, 3); k > 0 && copy.Length > 0; k--)
        {
            copy[random.Next(copy.Length)] = (byte)random.Next(256);
        }

        return copy;
    }
}
