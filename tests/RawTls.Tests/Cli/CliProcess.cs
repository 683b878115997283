using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace RawTls.Tests.Cli;

/// <summary>The built <c>rawtls</c> command run as a child process, as a user would run it.</summary>
internal sealed partial class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _listeningPort;

    private CliProcess(Process process)
    {
        _process = process;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public int Pid => _process.Id;

    /// <summary>Starts <c>rawtls serve ...</c> and waits until it has printed its whole banner (port included).</summary>
    public static async Task<(CliProcess Process, int Port)> StartServeAsync(string workingDirectory, params string[] args)
    {
        var cli = Start(workingDirectory, ["serve", "--listen", "127.0.0.1:0", .. args]);
        try
        {
            int port = await cli._port.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return (cli, port);
        }
        catch (TimeoutException)
        {
            await cli.DisposeAsync();
            throw new TimeoutException("rawtls serve did not start:\n" + cli.Output);
        }
    }

    /// <summary>Runs <c>rawtls ARGS</c> to its end (bounded) and returns its exit code and both streams.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) =>
        Infrastructure.ExternalTool.RunAsync("dotnet", [Dll, .. args], TimeSpan.FromSeconds(30));

    private static string Dll => typeof(RawTls.Cli.Commands.CommandDispatcher).Assembly.Location;

    public static CliProcess Start(string workingDirectory, IEnumerable<string> args)
    {
        string dll = Dll;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start)!;
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => cli.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => cli.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Sends SIGTERM (a graceful stop) and returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        await SignalAsync("TERM");

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Sends a signal (e.g. <c>HUP</c>) to the process.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        Match m = ListeningLine().Match(line);
        if (m.Success)
        {
            _listeningPort = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (line == "Ctrl+C stops." && _listeningPort != 0)
        {
            _port.TrySetResult(_listeningPort); // the banner is complete and the signal handlers are in place
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)\)")]
    private static partial Regex ListeningLine();
}
