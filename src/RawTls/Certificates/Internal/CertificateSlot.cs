namespace RawTls.Certificates;

/// <summary>
/// The set's state for one configured certificate: its holder (fixed for the server's life, so selector
/// entries keep pointing at it) and what is served through it now. Written only under the reload gate.
/// </summary>
internal sealed class CertificateSlot(ServerCertificateOptions source, CertificateHolder holder, CertificateBundle bundle, IReadOnlyList<string> names)
{
    public ServerCertificateOptions Source { get; } = source;

    public CertificateHolder Holder { get; } = holder;

    /// <summary>The certificate served now.</summary>
    public CertificateBundle Bundle { get; set; } = bundle;

    /// <summary>The server names it answers.</summary>
    public IReadOnlyList<string> Names { get; set; } = names;

    /// <summary>Hash of the file contents served now.</summary>
    public byte[]? ServedHash { get; set; }

    /// <summary>Hash of the contents (or of the error) of the last failed attempt: not reported again until they change.</summary>
    public byte[]? FailedHash { get; set; }

    /// <summary>
    /// Hash of a failure the watcher has seen once and not reported yet: files written one at a time (key, then
    /// certificate) pass through mismatched states, so a failure counts only when it is still there a moment later.
    /// </summary>
    public byte[]? SuspectHash { get; set; }

    /// <summary>File metadata seen at the last attempt; the poll compares against it.</summary>
    public int SeenStamp { get; set; }

    /// <summary>File metadata at the last poll (written by the poll only).</summary>
    public int PolledStamp { get; set; }

    /// <summary>The files load (or match what is served): no failure is reported or awaiting confirmation.</summary>
    public void ForgetFailures()
    {
        FailedHash = null;
        SuspectHash = null;
    }

    public bool Watched => Source.Watch && Source.Kind != CertificateSourceKind.InMemory;
}
