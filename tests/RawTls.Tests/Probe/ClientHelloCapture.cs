using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace RawTls.Tests.Probe;

/// <summary>Accepts one connection, keeps the first TLS record (the ClientHello) and hangs up.</summary>
internal static class ClientHelloCapture
{
    public static async Task<byte[]> ReadFirstRecordAsync(TcpListener listener)
    {
        using var client = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var stream = client.GetStream();
        var header = new byte[5];
        await stream.ReadExactlyAsync(header).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var body = new byte[BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(3))];
        await stream.ReadExactlyAsync(body).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return [.. header, .. body];
    }

    /// <summary>The ClientHello's extensions by type, from a record holding the whole message.</summary>
    public static Dictionary<int, byte[]> Extensions(byte[] record)
    {
        Assert.Equal(22, record[0]); // handshake
        var hello = record.AsSpan(5);
        Assert.Equal(1, hello[0]); // client_hello
        var p = 4 + 2 + 32; // handshake header, legacy_version, random
        p += 1 + hello[p]; // legacy_session_id
        p += 2 + BinaryPrimitives.ReadUInt16BigEndian(hello[p..]); // cipher_suites
        p += 1 + hello[p]; // legacy_compression_methods
        var end = p + 2 + BinaryPrimitives.ReadUInt16BigEndian(hello[p..]);
        p += 2;
        var extensions = new Dictionary<int, byte[]>();
        while (p < end)
        {
            var type = BinaryPrimitives.ReadUInt16BigEndian(hello[p..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(hello[(p + 2)..]);
            extensions.Add(type, hello.Slice(p + 4, length).ToArray());
            p += 4 + length;
        }

        Assert.Equal(end, p);
        return extensions;
    }

    public static IPEndPoint EndPoint(TcpListener listener) => (IPEndPoint)listener.LocalEndpoint;
}
