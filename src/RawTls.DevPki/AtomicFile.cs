namespace RawTls.DevPki;

/// <summary>Writes files via temp file + rename so readers (a running responder) never see partial content.</summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string contents, bool secret = false)
    {
        string tmp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                if (secret && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(fs.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                using (var writer = new StreamWriter(fs))
                {
                    writer.Write(contents);
                    writer.Flush();
                    fs.Flush(flushToDisk: true);
                }
            }

            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(tmp);
            }
            catch (IOException)
            {
                // best effort: the original error matters more
            }

            throw;
        }
    }
}
