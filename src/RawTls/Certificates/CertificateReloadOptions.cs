namespace RawTls.Certificates;

/// <summary>How file-based certificates are watched, reloaded and checked for expiry.</summary>
public sealed partial class CertificateReloadOptions
{
    /// <summary>
    /// Quiet time after the last file change before the files are read: tools replace files in several steps. Default
    /// 250 ms. Files that fail to load are read again after four times this (at least 1 s), and the failure is logged
    /// and counted only if they are unchanged and still fail: a tool pausing between the key and the certificate is
    /// not reported as a mismatch.
    /// </summary>
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Period of the cheap size/time check of watched files, a safety net for change notifications that are lost or
    /// coalesced (network file systems, some container mounts). Zero or infinite turns it off. Default 2 s.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a reload waits for the new leaf's first staple before publishing it (Auto mode publishes anyway and
    /// logs it; Require mode keeps the current certificate). Default 5 s.
    /// </summary>
    public TimeSpan StapleWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A served certificate closer than this to its expiry is warned about at load and daily. Default 14 days.</summary>
    public TimeSpan ExpiryWarning { get; set; } = TimeSpan.FromDays(14);
}
