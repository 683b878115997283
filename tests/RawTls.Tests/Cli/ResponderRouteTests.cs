using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using RawTls.Cli.Protocols;

namespace RawTls.Tests.Cli;

/// <summary>The responder's diagnostic targets: <c>/whoami</c> and <c>/ready</c>, and keep-alive ending while draining.</summary>
public sealed class ResponderRouteTests
{
    private sealed class Probe : IReadinessProbe
    {
        public bool Draining { get; set; }

        public string? Reason { get; set; }

        public string? NotReadyReason() => Draining ? "draining" : Reason;
    }

    private static async Task<string> AnswerAsync(string request, Probe? probe, EndPoint? remote)
    {
        var options = new Http11ResponderOptions("Hello\n"u8.ToArray()) { Readiness = probe };
        var pipe = new Pipe();
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(request));
        long body = 0;
        Http11Responder.Process(ref buffer, pipe.Writer, options, ref body, remote);
        await pipe.Writer.FlushAsync();
        await pipe.Writer.CompleteAsync();
        ReadResult result = await pipe.Reader.ReadAsync();
        return Encoding.ASCII.GetString(result.Buffer.ToArray());
    }

    [Fact]
    public async Task Whoami_answers_the_address_the_connection_reports()
    {
        string answer = await AnswerAsync("GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n", null, new IPEndPoint(IPAddress.Parse("203.0.113.7"), 51000));
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 18\r\n", answer, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n203.0.113.7:51000\n", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ready_is_200_until_draining_or_not_ready_and_draining_closes_keep_alive()
    {
        var probe = new Probe();
        Assert.StartsWith("HTTP/1.0 200 OK\r\n", await AnswerAsync("GET /ready HTTP/1.0\r\n\r\n", probe, null), StringComparison.Ordinal);
        probe.Reason = "no staple";
        string missing = await AnswerAsync("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n", probe, null);
        Assert.StartsWith("HTTP/1.1 503 Service Unavailable\r\n", missing, StringComparison.Ordinal);
        Assert.EndsWith("no staple\n", missing, StringComparison.Ordinal);

        probe.Draining = true;
        string ready = await AnswerAsync("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n", probe, null);
        Assert.StartsWith("HTTP/1.1 503 Service Unavailable\r\n", ready, StringComparison.Ordinal);
        Assert.Contains("Connection: close\r\n", ready, StringComparison.Ordinal);
        string plain = await AnswerAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n", probe, null);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", plain, StringComparison.Ordinal);
        Assert.Contains("Connection: close\r\n", plain, StringComparison.Ordinal); // keep-alive clients move elsewhere
        Assert.EndsWith("Hello\n", plain, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--proxy-protocol v2", "--proxy-protocol needs at least one --proxy-trusted")]
    [InlineData("--proxy-protocol v3 --proxy-trusted 127.0.0.1/32", "--proxy-protocol must be v1, v2 or any")]
    [InlineData("--proxy-protocol v2 --proxy-trusted 300.1.1.1/8", "--proxy-trusted must be a network")]
    [InlineData("--proxy-trusted 127.0.0.1/32", "--proxy-trusted is only used with --proxy-protocol")]
    [InlineData("--staple-store http://x", "--staple-store must be redis://HOST:PORT, dir:PATH or a directory path")]
    [InlineData("--staple-store redis://127.0.0.1:6379/77", "--staple-store: ")]
    [InlineData("--drain-delay 11m", "--drain-delay must be between 0s and 10m")]
    public async Task Bad_fleet_options_are_usage_errors(string args, string message)
    {
        string dir = Directory.CreateTempSubdirectory("rawtls-cli-").FullName;
        try
        {
            var cli = CliProcess.Start(dir, ["serve", "--listen", "127.0.0.1:0", .. args.Split(' ')]);
            await using (cli)
            {
                int exit = await cli.WaitForExitAsync(TimeSpan.FromSeconds(30));
                Assert.NotEqual(0, exit);
                Assert.Contains(message, cli.Output, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
