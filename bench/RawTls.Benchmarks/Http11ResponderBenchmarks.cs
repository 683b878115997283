using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using RawTls.Cli.Protocols;

namespace RawTls.Benchmarks;

/// <summary>
/// <see cref="Http11Responder.Process"/> per request over an in-memory pipe: parse a wrk-style GET, write the
/// 200 answer, flush, and let the reader consume it (so the pipe's segments are recycled as in a server).
/// Allocated should read 0 B: the responder itself allocates nothing per request.
/// </summary>
public class Http11ResponderBenchmarks
{
    private static readonly byte[] s_request = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n\r\n"u8.ToArray();
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    private byte[] _pipelined = [];

    [GlobalSetup]
    public void Setup()
    {
        _pipelined = [.. Enumerable.Repeat(s_request, 16).SelectMany(r => r)];
    }

    [Benchmark]
    public bool OneRequest() => Run(s_request);

    [Benchmark(OperationsPerInvoke = 16)]
    public bool SixteenPipelinedRequests() => Run(_pipelined);

    private bool Run(byte[] requests)
    {
        var buffer = new ReadOnlySequence<byte>(requests);
        long bodyRemaining = 0;
        bool close = Http11Responder.Process(ref buffer, _pipe.Writer, Http11ResponderOptions.Default, ref bodyRemaining);
        ValueTask<FlushResult> flush = _pipe.Writer.FlushAsync();
        if (!flush.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("the flush should complete synchronously");
        }

        if (!_pipe.Reader.TryRead(out ReadResult read))
        {
            throw new InvalidOperationException("no answer was written");
        }

        _pipe.Reader.AdvanceTo(read.Buffer.End);
        return close;
    }
}
