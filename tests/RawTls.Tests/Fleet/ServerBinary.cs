namespace RawTls.Tests.Fleet;

/// <summary>
/// Finds a server binary (redis-server, haproxy) that .ci/run installs. Where it truly is not there, the test is
/// skipped with a loud message rather than passed: nothing is claimed that was not run.
/// </summary>
internal static class ServerBinary
{
    private static readonly string[] s_extraDirs = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"];

    public static string RequireOrSkip(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(s_extraDirs);
        foreach (string dir in dirs)
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        string message = $"SKIPPED: '{name}' is not installed and these tests run the real server (.ci/run does apt-get install -y redis-server haproxy).";
        Console.Error.WriteLine(new string('!', 20) + " " + message);
        Skip.If(true, message);
        return name;
    }
}
