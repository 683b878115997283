using System.Buffers.Binary;

namespace RawTls.Tests.Probe;

/// <summary>A transport wrapper that keeps a copy of everything read from the server, to inspect its ServerHello.</summary>
internal sealed class ServerHelloCapture(Stream inner) : Stream
{
    private readonly MemoryStream _received = new();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        lock (_received)
        {
            _received.Write(buffer.Span[..read]);
        }

        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>The extension types of the ServerHello (the first, plaintext, handshake message the server sent).</summary>
    public HashSet<int> ServerHelloExtensionTypes()
    {
        byte[] received;
        lock (_received)
        {
            received = _received.ToArray();
        }

        // Join the plaintext handshake records that open the flight; the ServerHello is the first message in them.
        var handshake = new MemoryStream();
        var p = 0;
        while (p + 5 <= received.Length && received[p] == 22)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(received.AsSpan(p + 3));
            handshake.Write(received, p + 5, length);
            p += 5 + length;
        }

        var hello = handshake.ToArray().AsSpan();
        Assert.Equal(2, hello[0]); // server_hello
        var end = 4 + (hello[1] << 16 | hello[2] << 8 | hello[3]);
        var q = 4 + 2 + 32; // handshake header, legacy_version, random
        q += 1 + hello[q]; // legacy_session_id_echo
        q += 2 + 1; // cipher_suite, legacy_compression_method
        var types = new HashSet<int>();
        if (q == end)
        {
            return types;
        }

        var extensionsEnd = q + 2 + BinaryPrimitives.ReadUInt16BigEndian(hello[q..]);
        q += 2;
        while (q < extensionsEnd)
        {
            types.Add(BinaryPrimitives.ReadUInt16BigEndian(hello[q..]));
            q += 4 + BinaryPrimitives.ReadUInt16BigEndian(hello[(q + 2)..]);
        }

        Assert.Equal(end, extensionsEnd);
        return types;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            _received.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await _received.DisposeAsync();
        await base.DisposeAsync();
    }
}
