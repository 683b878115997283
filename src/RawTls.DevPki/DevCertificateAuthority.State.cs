using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using RawTls.Ocsp;

namespace RawTls.DevPki;

/// <summary>Issued and revoked serials: the record the OCSP responder answers from, persisted in the directory.</summary>
public sealed partial class DevCertificateAuthority
{
    /// <summary>Revokes an issued certificate; the serial is hex (any case, leading zeros and colons tolerated). Revoking twice keeps the first time.</summary>
    /// <exception cref="DevPkiException">The serial was never issued by this authority.</exception>
    public RevocationStatus Revoke(string serialHex, OcspRevocationReason? reason = null, DateTimeOffset? time = null)
    {
        string serial = NormalizeSerial(serialHex);
        lock (_lock)
        {
            ReloadStateIfChangedLocked();
            if (!_entries.TryGetValue(serial, out DevPkiStateEntry? entry))
            {
                throw new DevPkiException($"serial {serial} was not issued by this PKI");
            }

            if (entry.RevokedAt is null)
            {
                entry.RevokedAt = TruncateToSeconds(time ?? _time.GetUtcNow());
                entry.Reason = reason is null ? null : (int)reason.Value;
                SaveStateLocked();
            }

            return StatusOf(entry);
        }
    }

    /// <summary>Status of a serial (hex): good, revoked or unknown (never issued).</summary>
    public RevocationStatus GetStatus(string serialHex)
    {
        string serial = NormalizeSerial(serialHex);
        lock (_lock)
        {
            return _entries.TryGetValue(serial, out DevPkiStateEntry? entry) ? StatusOf(entry) : RevocationStatus.Unknown;
        }
    }

    /// <summary>Status of a certificate by its serial number.</summary>
    public RevocationStatus GetStatus(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return GetStatus(certificate.SerialNumber);
    }

    /// <summary>Re-reads the state file if it changed on disk (e.g. <c>rawtls pki revoke</c> from another process). Cheap: one stat.</summary>
    /// <returns>True when the state was reloaded.</returns>
    public bool ReloadStateIfChanged()
    {
        lock (_lock)
        {
            return ReloadStateIfChangedLocked();
        }
    }

    private static DevPkiState ReadState(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), DevPkiJsonContext.Default.DevPkiState) ?? new DevPkiState();
        }
        catch (JsonException ex)
        {
            throw new DevPkiException($"state file {path} is corrupt: {ex.Message}", ex);
        }
    }

    private static (DateTime, long) StampOf(string path)
    {
        var fi = new FileInfo(path);
        return fi.Exists ? (fi.LastWriteTimeUtc, fi.Length) : default;
    }

    private static DevKeyAlgorithm ParseKeyAlgorithm(string s) => s switch
    {
        "rsa" => DevKeyAlgorithm.Rsa2048,
        _ => DevKeyAlgorithm.EcdsaP256,
    };

    private static DevPkiStateEntry EntryFor(X509Certificate2 cert, string kind) => new()
    {
        Serial = NormalizeSerial(cert.SerialNumber),
        Kind = kind,
        NotAfter = new DateTimeOffset(cert.NotAfter.ToUniversalTime(), TimeSpan.Zero),
    };

    private static RevocationStatus StatusOf(DevPkiStateEntry entry) => entry.RevokedAt is { } at
        ? RevocationStatus.Revoked(at, entry.Reason is int r ? (OcspRevocationReason)r : null)
        : RevocationStatus.Good;

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private void ApplyState(DevPkiState state)
    {
        var entries = new Dictionary<string, DevPkiStateEntry>(StringComparer.Ordinal);
        foreach (DevPkiStateEntry e in state.Certificates)
        {
            string serial;
            try
            {
                serial = NormalizeSerial(e.Serial);
            }
            catch (DevPkiException)
            {
                continue; // a hand-edited bad line should not take the whole PKI down
            }

            DevPkiStateEntry copy = e.Clone();
            copy.Serial = serial;
            entries[serial] = copy;
        }

        _entries = entries;
    }

    private bool ReloadStateIfChangedLocked()
    {
        if (Directory is null)
        {
            return false;
        }

        string path = Path.Combine(Directory, StateFile);
        var stamp = StampOf(path);
        if (stamp == _stateStamp || stamp == default)
        {
            return false;
        }

        DevPkiState state;
        try
        {
            state = ReadState(path);
        }
        catch (IOException)
        {
            return false; // raced with a writer's rename; the next call picks it up
        }

        Dictionary<string, DevPkiStateEntry> previous = _entries;
        ApplyState(state);

        // Keep certificates this process issued even if another writer dropped them.
        foreach (var (serial, entry) in previous)
        {
            _entries.TryAdd(serial, entry);
        }

        _stateStamp = stamp;
        return true;
    }

    private void SaveStateLocked()
    {
        if (Directory is null)
        {
            return;
        }

        var state = new DevPkiState
        {
            KeyAlgorithm = KeyAlgorithm == DevKeyAlgorithm.Rsa2048 ? "rsa" : "ecdsa",
            OcspUrl = OcspUrl?.AbsoluteUri,
            MustStaple = MustStaple,
            Certificates = [.. _entries.Values.Select(e => e.Clone())],
        };
        string path = Path.Combine(Directory, StateFile);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(state, DevPkiJsonContext.Default.DevPkiState) + "\n");
        _stateStamp = StampOf(path);
    }
}
