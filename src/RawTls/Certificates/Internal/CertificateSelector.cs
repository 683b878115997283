namespace RawTls.Certificates;

/// <summary>
/// Maps a client's server name (SNI) to a <see cref="CertificateHolder"/>: exact names first, then one-label
/// <c>*.</c> wildcards, then the default. The maps are built once and never change, so lookups take no
/// lock and allocate nothing (span-keyed alternate lookups).
/// </summary>
internal sealed class CertificateSelector
{
    private readonly Dictionary<string, CertificateHolder> _exact;
    private readonly Dictionary<string, CertificateHolder> _wildcard;
    private readonly Dictionary<string, CertificateHolder>.AlternateLookup<ReadOnlySpan<char>> _exactLookup;
    private readonly Dictionary<string, CertificateHolder>.AlternateLookup<ReadOnlySpan<char>> _wildcardLookup;

    public CertificateSelector(IReadOnlyList<(CertificateHolder Holder, IEnumerable<string> Names)> entries, bool refuseUnknownNames)
    {
        if (entries.Count == 0)
        {
            throw new ArgumentException("At least one certificate is required.", nameof(entries));
        }

        Default = entries[0].Holder;
        RefuseUnknownNames = refuseUnknownNames;
        _exact = new Dictionary<string, CertificateHolder>(StringComparer.OrdinalIgnoreCase);
        _wildcard = new Dictionary<string, CertificateHolder>(StringComparer.OrdinalIgnoreCase);
        foreach (var (holder, names) in entries)
        {
            foreach (string raw in names)
            {
                string name = raw.TrimEnd('.');
                if (name.StartsWith("*.", StringComparison.Ordinal))
                {
                    _wildcard.TryAdd(name[2..], holder); // first certificate listed wins
                }
                else if (name.Length > 0)
                {
                    _exact.TryAdd(name, holder);
                }
            }
        }

        _exactLookup = _exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcardLookup = _wildcard.GetAlternateLookup<ReadOnlySpan<char>>();
        Holders = [.. entries.Select(e => e.Holder).Distinct()];
    }

    public CertificateHolder Default { get; }

    public bool RefuseUnknownNames { get; }

    public IReadOnlyList<CertificateHolder> Holders { get; }

    /// <summary>The holder for <paramref name="serverName"/>, or null when the name is unknown and unknown names are refused.</summary>
    public CertificateHolder? Select(string? serverName)
    {
        if (string.IsNullOrEmpty(serverName))
        {
            return Default;
        }

        ReadOnlySpan<char> name = serverName.AsSpan().TrimEnd('.');
        if (_exactLookup.TryGetValue(name, out CertificateHolder? holder))
        {
            return holder;
        }

        // "*.example.com" covers exactly one label: "a.example.com", not "example.com" or "a.b.example.com".
        int dot = name.IndexOf('.');
        if (dot > 0 && _wildcard.Count > 0 && _wildcardLookup.TryGetValue(name[(dot + 1)..], out holder))
        {
            return holder;
        }

        return RefuseUnknownNames ? null : Default;
    }
}
