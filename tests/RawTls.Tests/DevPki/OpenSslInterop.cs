using System.Diagnostics;

namespace RawTls.Tests.DevPki;

/// <summary>Runs the openssl binary with a bounded wait.</summary>
internal static class OpenSslInterop
{
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("openssl could not be started");
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
