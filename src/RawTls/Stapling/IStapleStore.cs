namespace RawTls.Stapling;

/// <summary>
/// Where OCSP responses are kept between fetches and shared between processes: a directory (one host or a shared
/// volume) or a networked store such as Redis. The store is never trusted: every response read back is validated as
/// if it had just come from the network, so a stale, foreign or corrupt entry is rejected, never served.
/// </summary>
/// <remarks>
/// Keys are the lowercase hex SHA-256 of the leaf certificate's DER encoding. Implementations are safe for
/// concurrent use and fail fast: a store that throws or is slow only costs the shared copy; serving and in-memory
/// publishing never wait for it.
/// </remarks>
public interface IStapleStore
{
    /// <summary>Reads the stored response for <paramref name="key"/>, or null when there is none.</summary>
    ValueTask<byte[]?> LoadAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="response"/> for <paramref name="key"/>, replacing what was there. Readers see the old
    /// bytes or the new ones, never a mix.
    /// </summary>
    ValueTask SaveAsync(string key, ReadOnlyMemory<byte> response, CancellationToken cancellationToken);

    /// <summary>
    /// Tries to take the fetch lease for <paramref name="key"/> for <paramref name="duration"/>, so that one process
    /// of a fleet fetches per refresh. True when <paramref name="owner"/> holds it now (newly taken, or already its
    /// own, in which case it is extended); false while another owner holds an unexpired lease.
    /// </summary>
    ValueTask<bool> TryAcquireLeaseAsync(string key, string owner, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Gives the lease back after a fetch; does nothing unless <paramref name="owner"/> holds it.</summary>
    ValueTask ReleaseLeaseAsync(string key, string owner, CancellationToken cancellationToken);
}
