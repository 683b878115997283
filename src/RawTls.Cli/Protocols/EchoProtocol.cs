using System.Buffers;
using System.IO.Pipelines;

namespace RawTls.Cli.Protocols;

/// <summary>Echoes every byte back until the client closes: the smallest custom protocol.</summary>
internal static class EchoProtocol
{
    public static async Task RunAsync(IDuplexPipe transport, CancellationToken cancellationToken)
    {
        PipeReader input = transport.Input;
        PipeWriter output = transport.Output;
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    output.Write(segment.Span);
                }

                input.AdvanceTo(buffer.End);
                FlushResult flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (result.IsCompleted || result.IsCanceled || flush.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // Stopping, or the client went away.
        }
    }
}
