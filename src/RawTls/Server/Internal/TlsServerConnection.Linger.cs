using System.Buffers;

namespace RawTls.Server.Internal;

/// <summary>The lingering close: after close_notify and FIN, drain the client's input until it closes, bounded.</summary>
internal sealed partial class TlsServerConnection
{
    /// <summary>How long a closing connection keeps reading (and discarding) what the client still sends.</summary>
    internal const int LingerMilliseconds = 2_000;

    /// <summary>How much a closing connection reads and discards at most.</summary>
    internal const int LingerMaxBytes = 1 << 20;

    private const int LingerBufferBytes = 16 * 1024;

    /// <summary>
    /// Closing a socket with unread input makes the kernel answer with RST, and a RST discards response bytes still
    /// queued for the client: a handler that returned while the client was sending, or with pipelined requests
    /// left unread, would lose the end of what it wrote. So read and discard until the client's EOF, for at most
    /// <see cref="LingerMilliseconds"/> (the heartbeat enforces it by aborting) and <see cref="LingerMaxBytes"/>, and
    /// not past the start of a server stop, which must not wait for clients that keep their side open.
    /// </summary>
    private async ValueTask LingerAsync()
    {
        Volatile.Write(ref _deadline, Environment.TickCount64 + LingerMilliseconds);
        byte[] sink = ArrayPool<byte>.Shared.Rent(LingerBufferBytes);
        try
        {
            CancellationToken stopping = _server.StoppingToken;
            for (long drained = 0; drained < LingerMaxBytes;)
            {
                // Wait with a zero-byte read, the one kind a stop can cancel; then take what arrived.
                await _stream.ReadAsync(Memory<byte>.Empty, stopping).ConfigureAwait(false);

                // Raw socket bytes: whatever they are (records, alerts), they are discarded.
                int n = await _stream.DiscardAsync(sink.AsMemory(0, LingerBufferBytes)).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }

                drained += n;
            }
        }
        catch (OperationCanceledException)
        {
            // The server is stopping: close now.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(sink);
        }
    }
}
