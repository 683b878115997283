using System.Diagnostics;
using System.Text;

namespace RawTls.Tests.Fleet;

/// <summary>
/// A real <c>redis-server</c> on 127.0.0.1 and a free port (it cannot bind port 0: the port comes from a bound-then-closed
/// socket, retried on a clash), with persistence off. Killed by its PID on dispose.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private RedisServer(Process process, int port, StringBuilder output)
    {
        _process = process;
        Port = port;
        _output = output;
    }

    public int Port { get; }

    public int Pid => _process.Id;

    public string Url => $"redis://127.0.0.1:{Port}";

    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        string exe = ServerBinary.RequireOrSkip("redis-server");
        string lastOutput = string.Empty;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            int port = LoopbackPorts.Free();
            var start = new ProcessStartInfo(exe)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "notice" })
            {
                start.ArgumentList.Add(arg);
            }

            var output = new StringBuilder();
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var process = Process.Start(start)!;
            void OnLine(string? line)
            {
                if (line is null)
                {
                    return;
                }

                lock (output)
                {
                    output.AppendLine(line);
                }

                if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            }

            process.OutputDataReceived += (_, e) => OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            Task exited = process.WaitForExitAsync();
            Task first = await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(10)));
            if (first == ready.Task)
            {
                return new RedisServer(process, port, output);
            }

            lock (output)
            {
                lastOutput = output.ToString();
            }

            Kill(process);
            process.Dispose();
            if (!lastOutput.Contains("Address already in use", StringComparison.Ordinal))
            {
                break;
            }
        }

        throw new InvalidOperationException("redis-server did not start:\n" + lastOutput);
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

    /// <summary>Stops the server now (SIGKILL by PID), as a crash or an outage would.</summary>
    public async Task KillAsync()
    {
        Kill(_process);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }
    }
}
