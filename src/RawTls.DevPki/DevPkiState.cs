namespace RawTls.DevPki;

/// <summary>The persisted state file: PKI settings plus every issued serial and its revocation.</summary>
internal sealed class DevPkiState
{
    public int Version { get; set; } = 1;

    public string KeyAlgorithm { get; set; } = "ecdsa";

    public string? OcspUrl { get; set; }

    public bool MustStaple { get; set; }

    public List<DevPkiStateEntry> Certificates { get; set; } = [];
}
