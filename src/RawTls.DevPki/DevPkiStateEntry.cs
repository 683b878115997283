namespace RawTls.DevPki;

/// <summary>One issued certificate in the state file.</summary>
internal sealed class DevPkiStateEntry
{
    public string Serial { get; set; } = "";

    public string Kind { get; set; } = "leaf";

    public List<string> Names { get; set; } = [];

    public DateTimeOffset NotAfter { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public int? Reason { get; set; }

    public DevPkiStateEntry Clone() => new()
    {
        Serial = Serial,
        Kind = Kind,
        Names = [.. Names],
        NotAfter = NotAfter,
        RevokedAt = RevokedAt,
        Reason = Reason,
    };
}
