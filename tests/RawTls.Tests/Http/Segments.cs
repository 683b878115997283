using System.Buffers;

namespace RawTls.Tests.Http;

/// <summary>Builds a <see cref="ReadOnlySequence{T}"/> split into segments of a given size, as a pipe may hand it over.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Split(byte[] data, int size)
    {
        if (data.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segments(data.AsMemory(0, Math.Min(size, data.Length)), 0);
        Segments last = first;
        for (int at = first.Memory.Length; at < data.Length; at += size)
        {
            var next = new Segments(data.AsMemory(at, Math.Min(size, data.Length - at)), at);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
