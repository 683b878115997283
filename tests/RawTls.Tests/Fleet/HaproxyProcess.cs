using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RawTls.Tests.Fleet;

/// <summary>
/// A real HAProxy in the foreground (<c>-db</c>) with a config the test writes; frontend ports come from
/// <see cref="LoopbackPorts"/> and the start is retried on a clash. Every line it logs is kept with its time.
/// </summary>
internal sealed class HaproxyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<(TimeSpan At, string Line)> _lines;
    private readonly Stopwatch _clock;

    private HaproxyProcess(Process process, List<(TimeSpan, string)> lines, Stopwatch clock, int[] ports)
    {
        _process = process;
        _lines = lines;
        _clock = clock;
        Ports = ports;
    }

    /// <summary>The frontend ports, in the order the config builder was given them.</summary>
    public int[] Ports { get; }

    /// <summary>Starts HAProxy with <paramref name="config"/>(frontend ports); <paramref name="clock"/> stamps its log lines.</summary>
    public static async Task<HaproxyProcess> StartAsync(int frontends, Func<int[], string> config, string directory, Stopwatch clock)
    {
        string exe = ServerBinary.RequireOrSkip("haproxy");
        string output = string.Empty;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            int[] ports = [.. Enumerable.Range(0, frontends).Select(_ => LoopbackPorts.Free())];
            string file = Path.Combine(directory, "haproxy.cfg");
            await File.WriteAllTextAsync(file, config(ports) + "\n");
            var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string arg in new[] { "-db", "-f", file })
            {
                start.ArgumentList.Add(arg);
            }

            var lines = new List<(TimeSpan, string)>();
            var process = Process.Start(start)!;
            void OnLine(string? line)
            {
                if (line is not null)
                {
                    lock (lines)
                    {
                        lines.Add((clock.Elapsed, line));
                    }
                }
            }

            process.OutputDataReceived += (_, e) => OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var haproxy = new HaproxyProcess(process, lines, clock, ports);
            if (await haproxy.WaitListeningAsync(TimeSpan.FromSeconds(10)))
            {
                return haproxy;
            }

            output = haproxy.Log;
            await haproxy.DisposeAsync();
            if (!output.Contains("cannot bind", StringComparison.OrdinalIgnoreCase) && !output.Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                break;
            }
        }

        throw new InvalidOperationException("haproxy did not start:\n" + output);
    }

    public string Log => string.Join('\n', Lines.Select(l => $"{l.At.TotalSeconds,7:0.000}s {l.Line}"));

    public IReadOnlyList<(TimeSpan At, string Line)> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>When HAProxy first logged <paramref name="text"/> (at or after <paramref name="since"/>), or null.</summary>
    public TimeSpan? FirstLogged(string text, TimeSpan since = default) =>
        Lines.FirstOrDefault(l => l.At >= since && l.Line.Contains(text, StringComparison.Ordinal)) is { Line: not null } hit ? hit.At : null;

    private async Task<bool> WaitListeningAsync(TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < within && !_process.HasExited)
        {
            bool all = true;
            foreach (int port in Ports)
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
                }
                catch (SocketException)
                {
                    all = false;
                    break;
                }
            }

            if (all)
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        _ = _clock;
    }
}
