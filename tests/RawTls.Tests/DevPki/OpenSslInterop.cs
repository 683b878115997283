using System.Diagnostics;

namespace RawTls.Tests.DevPki;

/// <summary>Runs openssl (and kill) with a bounded wait.</summary>
internal static class OpenSslInterop
{
    public static Task<(int ExitCode, string Output)> RunAsync(params string[] args) => RunToolAsync("openssl", args);

    /// <summary>Sends a signal with kill(1).</summary>
    public static Task<(int ExitCode, string Output)> RunKillAsync(string signal, int pid) =>
        RunToolAsync("kill", [signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    private static async Task<(int ExitCode, string Output)> RunToolAsync(string tool, string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{tool} could not be started");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(cts.Token);
        Task<string> stderr = p.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }

        return (p.ExitCode, await stdout + await stderr);
    }
}
