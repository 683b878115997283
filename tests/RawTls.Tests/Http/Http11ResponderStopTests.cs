using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using RawTls.Cli.Protocols;

namespace RawTls.Tests.Http;

/// <summary>The responder's loop ends when the server stops, whether it waits for a request or for the rest of one.</summary>
public class Http11ResponderStopTests
{
    private static readonly Http11ResponderOptions s_options = new("ok\n"u8.ToArray());
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Stopping_ends_an_idle_keep_alive_connection_after_its_answers()
    {
        using var stopping = new CancellationTokenSource();
        var (server, client) = CreatePair();
        Task run = Http11Responder.RunAsync(server, s_options, stopping.Token);

        await client.Output.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        string first = await ReadResponseAsync(client.Input);
        Assert.StartsWith("HTTP/1.1 200 OK", first, StringComparison.Ordinal);
        Assert.False(run.IsCompleted, "the keep-alive connection ended on its own");

        await stopping.CancelAsync();
        await run.WaitAsync(s_bound);
    }

    [Fact]
    public async Task Stopping_ends_a_connection_waiting_for_the_rest_of_a_request_without_answering_it()
    {
        using var stopping = new CancellationTokenSource();
        var (server, client) = CreatePair();
        Task run = Http11Responder.RunAsync(server, s_options, stopping.Token);

        await client.Output.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost:"));
        await stopping.CancelAsync();
        await run.WaitAsync(s_bound);

        await server.Output.CompleteAsync();
        ReadResult rest = await client.Input.ReadAsync().AsTask().WaitAsync(s_bound);
        Assert.True(rest.IsCompleted);
        Assert.True(rest.Buffer.IsEmpty, "a half-received request was answered");
    }

    [Fact]
    public async Task A_token_stopped_before_the_first_read_ends_the_loop()
    {
        using var stopping = new CancellationTokenSource();
        await stopping.CancelAsync();
        var (server, _) = CreatePair();
        await Http11Responder.RunAsync(server, s_options, stopping.Token).WaitAsync(s_bound);
    }

    private static (IDuplexPipe Server, IDuplexPipe Client) CreatePair()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        return (new Duplex(toServer.Reader, toClient.Writer), new Duplex(toClient.Reader, toServer.Writer));
    }

    private static async Task<string> ReadResponseAsync(PipeReader input)
    {
        while (true)
        {
            ReadResult result = await input.ReadAsync().AsTask().WaitAsync(s_bound);
            string text = Encoding.Latin1.GetString(result.Buffer.ToArray());
            if (text.EndsWith("ok\n", StringComparison.Ordinal) || result.IsCompleted)
            {
                input.AdvanceTo(result.Buffer.End);
                return text;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
