using System.Diagnostics;

namespace RawTls.Tests.Stapling;

/// <summary>
/// A size-limited tmpfs mounted on a fresh temporary directory: a real full disk, and (remounted read-only) a real
/// read-only one, which root cannot write past as it can past directory permissions. Unmounted on dispose.
/// </summary>
internal sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    /// <summary>Mounts one, or skips the test with the reason where the machine cannot (not root, no mount).</summary>
    public static TmpfsMount MountOrSkip(string size)
    {
        Skip.If(!OperatingSystem.IsLinux(), "SKIPPED: a real full or read-only disk needs a Linux tmpfs mount; this is not Linux.");
        Skip.If(Environment.UserName != "root", $"SKIPPED: mounting a tmpfs needs root; running as {Environment.UserName}.");
        string path = Directory.CreateTempSubdirectory("rawtls-tmpfs-").FullName;
        (int code, string error) = Run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0755", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            Skip.If(true, $"SKIPPED: mount -t tmpfs failed ({code}): {error.Trim()}");
        }

        return new TmpfsMount(path);
    }

    public void RemountReadOnly() => Remount("ro");

    public void RemountReadWrite() => Remount("rw");

    public void Dispose()
    {
        (int code, string error) = Run("umount", Path);
        if (code == 0)
        {
            Directory.Delete(Path);
        }
        else
        {
            Console.Error.WriteLine($"umount {Path} failed ({code}): {error.Trim()}");
        }
    }

    private void Remount(string mode)
    {
        (int code, string error) = Run("mount", "-o", "remount," + mode, Path);
        Assert.True(code == 0, $"mount -o remount,{mode} {Path} failed ({code}): {error}");
    }

    private static (int Code, string Error) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        try
        {
            using Process p = Process.Start(start)!;
            string error = p.StandardError.ReadToEnd();
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(10_000))
            {
                p.Kill();
                return (-1, file + " did not exit within 10 s");
            }

            return (p.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}
