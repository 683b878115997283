namespace RawTls.Certificates;

/// <summary>
/// Notices changes to certificate files: change notifications on their directories plus a periodic metadata poll
/// (notifications can be lost or coalesced). Every change restarts a quiet-period timer; the callback runs once
/// the files have been left alone for the debounce time, and the caller then compares contents, so spurious
/// notifications only cost a read.
/// </summary>
internal sealed class CertificateFileWatcher : IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly HashSet<string> _files;
    private readonly TimeSpan _debounce;
    private readonly ITimer _quiet;
    private readonly ITimer? _poll;
    private readonly Func<bool> _changedSincePoll;

    public CertificateFileWatcher(IEnumerable<string> files, TimeSpan debounce, TimeSpan pollInterval, Func<bool> changedSincePoll, Action onQuiet, CertificateLog log)
    {
        _files = new HashSet<string>(files.Select(Path.GetFullPath), StringComparer.Ordinal);
        _debounce = debounce < TimeSpan.Zero ? TimeSpan.Zero : debounce;
        _changedSincePoll = changedSincePoll;
        // File events happen in real time, whatever clock the certificates are checked against.
        _quiet = TimeProvider.System.CreateTimer(static s => ((Action)s!)(), onQuiet, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        foreach (string? directory in _files.Select(Path.GetDirectoryName).Distinct(StringComparer.Ordinal))
        {
            if (directory is null)
            {
                continue;
            }

            try
            {
                var watcher = new FileSystemWatcher(directory)
                {
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime | NotifyFilters.DirectoryName,
                    IncludeSubdirectories = false,
                };
                watcher.Changed += OnEvent;
                watcher.Created += OnEvent;
                watcher.Deleted += OnEvent;
                watcher.Renamed += OnEvent;
                watcher.Error += OnError;
                watcher.EnableRaisingEvents = true;
                _watchers.Add(watcher);
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or PlatformNotSupportedException or UnauthorizedAccessException)
            {
                log.WatchUnavailable(directory, ex.Message);
            }
        }

        if (pollInterval > TimeSpan.Zero && pollInterval != Timeout.InfiniteTimeSpan)
        {
            _poll = TimeProvider.System.CreateTimer(static s => ((CertificateFileWatcher)s!).OnPoll(), this, pollInterval, pollInterval);
        }
    }

    /// <summary>Restarts the quiet period: the callback runs after <c>debounce</c> without further changes.</summary>
    public void Trigger() => Trigger(_debounce);

    /// <summary>Runs the callback after <paramref name="delay"/>, or sooner if a change restarts the quiet period.</summary>
    public void Trigger(TimeSpan delay)
    {
        try
        {
            _quiet.Change(delay, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // a late event after shutdown
        }
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.EnableRaisingEvents = false;
            watcher.Dispose();
        }

        _poll?.Dispose();
        _quiet.Dispose();
    }

    private void OnEvent(object? sender, FileSystemEventArgs e)
    {
        // Watched files, and "..data"-style entries that symlink-swapping tools (Kubernetes secret volumes) replace.
        if (_files.Contains(e.FullPath) || (e is RenamedEventArgs r && _files.Contains(r.OldFullPath)) || (e.Name?.StartsWith("..", StringComparison.Ordinal) ?? false))
        {
            Trigger();
        }
    }

    private void OnError(object? sender, ErrorEventArgs e) => Trigger(); // overflow: events were lost, look again

    private void OnPoll()
    {
        try
        {
            if (_changedSincePoll())
            {
                Trigger();
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Trigger();
        }
    }
}
