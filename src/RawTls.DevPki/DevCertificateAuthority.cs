using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace RawTls.DevPki;

/// <summary>
/// A development PKI: root CA → intermediate CA → leaves, with a record of issued serials and revocations
/// that <see cref="OcspResponder"/> answers from. Either in memory or backed by a directory.
/// </summary>
public sealed partial class DevCertificateAuthority : IDisposable
{
    /// <summary>File names written to a PKI directory.</summary>
    public const string RootCertFile = "root.pem", RootKeyFile = "root.key", IntermediateCertFile = "intermediate.pem",
        IntermediateKeyFile = "intermediate.key", LeafCertFile = "leaf.pem", LeafKeyFile = "leaf.key", ChainFile = "chain.pem",
        StateFile = "state.json";

    private const string OcspNoCheckOid = "1.3.6.1.5.5.7.48.1.5";
    private const string TlsFeatureOid = "1.3.6.1.5.5.7.1.24";
    private const string OcspSigningOid = "1.3.6.1.5.5.7.3.9";
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private static readonly TimeSpan Backdate = TimeSpan.FromHours(1);

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private Dictionary<string, DevPkiStateEntry> _entries = new(StringComparer.Ordinal);
    private (DateTime WriteTime, long Length) _stateStamp;

    private DevCertificateAuthority(X509Certificate2 root, X509Certificate2 intermediate, X509Certificate2 leaf, DevKeyAlgorithm keyAlgorithm, Uri? ocspUrl, bool mustStaple, TimeProvider time)
    {
        Root = root;
        Intermediate = intermediate;
        Leaf = leaf;
        KeyAlgorithm = keyAlgorithm;
        OcspUrl = ocspUrl;
        MustStaple = mustStaple;
        _time = time;
    }

    /// <summary>Root CA certificate (with private key).</summary>
    public X509Certificate2 Root { get; }

    /// <summary>Intermediate CA certificate (with private key); it issues leaves and signs OCSP responses.</summary>
    public X509Certificate2 Intermediate { get; }

    /// <summary>The default leaf certificate (with private key, usable by SslStream).</summary>
    public X509Certificate2 Leaf { get; private set; }

    /// <summary>Default key type for issued leaves.</summary>
    public DevKeyAlgorithm KeyAlgorithm { get; }

    /// <summary>Default AIA OCSP URL for issued leaves, or null.</summary>
    public Uri? OcspUrl { get; }

    /// <summary>Whether issued leaves carry Must-Staple by default.</summary>
    public bool MustStaple { get; }

    /// <summary>The directory this PKI is saved in, or null for an in-memory PKI.</summary>
    public string? Directory { get; private set; }

    /// <summary>Serial numbers (upper-case hex, no leading zeros) of every certificate issued by the intermediate.</summary>
    public IReadOnlyList<string> IssuedSerials
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries.Keys];
            }
        }
    }

    /// <summary>Creates a new in-memory PKI (fast with ECDSA). Call again for a second, unrelated CA.</summary>
    public static DevCertificateAuthority Create(DevPkiOptions? options = null)
    {
        options ??= new DevPkiOptions();
        TimeProvider time = options.TimeProvider;
        DateTimeOffset now = time.GetUtcNow();
        string tag = Convert.ToHexString(RandomNumberGenerator.GetBytes(3));

        using AsymmetricAlgorithm rootKey = NewKey(options.KeyAlgorithm);
        X509Certificate2 root = CreateCa($"CN=RawTls Dev Root CA {tag}, O=RawTls Dev PKI", rootKey, null, null, now - Backdate, now.AddYears(10), pathLength: 1);

        using AsymmetricAlgorithm intermediateKey = NewKey(options.KeyAlgorithm);
        X509Certificate2 intermediate = CreateCa($"CN=RawTls Dev Intermediate CA {tag}, O=RawTls Dev PKI", intermediateKey, root, rootKey, now - Backdate, now.AddYears(5), pathLength: 0);

        var ca = new DevCertificateAuthority(root, intermediate, null!, options.KeyAlgorithm, options.OcspUrl, options.MustStaple, time);
        ca.Leaf = ca.IssueLeaf(new DevLeafOptions { Names = options.LeafNames });
        return ca;
    }

    /// <summary>Creates a new PKI and saves it to <paramref name="directory"/>; refuses to overwrite an existing PKI.</summary>
    public static DevCertificateAuthority Create(string directory, DevPkiOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        foreach (string f in new[] { RootCertFile, RootKeyFile, IntermediateCertFile, IntermediateKeyFile, StateFile })
        {
            if (File.Exists(Path.Combine(directory, f)))
            {
                throw new DevPkiException($"a PKI already exists in '{directory}' ({f} is present); refusing to overwrite it");
            }
        }

        DevCertificateAuthority ca = Create(options);
        ca.Save(directory);
        return ca;
    }

    /// <summary>Loads a PKI saved by <see cref="Save"/> or <see cref="Create(string, DevPkiOptions?)"/>.</summary>
    public static DevCertificateAuthority Load(string directory, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new DevPkiException($"PKI directory '{directory}' does not exist (create one with 'rawtls pki init --dir {directory}')");
        }

        X509Certificate2 root = LoadPair(directory, RootCertFile, RootKeyFile);
        X509Certificate2 intermediate = LoadPair(directory, IntermediateCertFile, IntermediateKeyFile);
        X509Certificate2 leaf = LoadPair(directory, LeafCertFile, LeafKeyFile);
        string statePath = Path.Combine(directory, StateFile);
        DevPkiState state = File.Exists(statePath) ? ReadState(statePath) : new DevPkiState();
        Uri? ocspUrl = state.OcspUrl is null ? null : new Uri(state.OcspUrl, UriKind.Absolute);
        var ca = new DevCertificateAuthority(root, intermediate, leaf, ParseKeyAlgorithm(state.KeyAlgorithm), ocspUrl, state.MustStaple, timeProvider ?? TimeProvider.System)
        {
            Directory = Path.GetFullPath(directory),
        };
        ca.ApplyState(state);
        ca._stateStamp = StampOf(statePath);

        // The default leaf always counts as issued, even with a hand-edited or missing state file.
        string leafSerial = NormalizeSerial(leaf.SerialNumber);
        if (!ca._entries.ContainsKey(leafSerial))
        {
            ca._entries[leafSerial] = EntryFor(leaf, "leaf");
        }

        return ca;
    }

    /// <summary>Writes all PKI files (certificates, PKCS#8 keys, chain, state) to <paramref name="directory"/>, each atomically.</summary>
    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        System.IO.Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, RootKeyFile), ExportKeyPem(Root), secret: true);
        AtomicFile.WriteAllText(Path.Combine(directory, IntermediateKeyFile), ExportKeyPem(Intermediate), secret: true);
        AtomicFile.WriteAllText(Path.Combine(directory, RootCertFile), Root.ExportCertificatePem() + "\n");
        AtomicFile.WriteAllText(Path.Combine(directory, IntermediateCertFile), Intermediate.ExportCertificatePem() + "\n");
        WriteLeafFiles(directory, Leaf);
        lock (_lock)
        {
            Directory = Path.GetFullPath(directory);
            SaveStateLocked();
        }
    }

    /// <summary>Issues a leaf for <paramref name="names"/> (DNS names, <c>*.</c> wildcards, IP addresses) and, if <paramref name="outDir"/> is given, writes leaf.pem, leaf.key and chain.pem there.</summary>
    public X509Certificate2 IssueLeaf(IEnumerable<string> names, string? outDir = null)
    {
        ArgumentNullException.ThrowIfNull(names);
        X509Certificate2 leaf = IssueLeaf(new DevLeafOptions { Names = [.. names] });
        if (outDir is not null)
        {
            System.IO.Directory.CreateDirectory(outDir);
            WriteLeafFiles(outDir, leaf);
        }

        return leaf;
    }

    /// <summary>Issues a leaf (serverAuth EKU, SANs, optional AIA OCSP URL and Must-Staple) signed by the intermediate and records its serial.</summary>
    public X509Certificate2 IssueLeaf(DevLeafOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Names.Count == 0)
        {
            throw new DevPkiException("a leaf needs at least one name");
        }

        DateTimeOffset notBefore = options.NotBefore ?? _time.GetUtcNow() - Backdate;
        DateTimeOffset notAfter = options.NotAfter ?? notBefore.AddDays(90);
        using AsymmetricAlgorithm key = NewKey(options.KeyAlgorithm ?? KeyAlgorithm);
        CertificateRequest req = NewRequest($"CN={EscapeDn(options.Names[0])}", key);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(
            key is RSA ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthOid)], false));
        req.CertificateExtensions.Add(BuildSan(options.Names));
        Uri? ocspUrl = options.OmitOcspUrl ? null : options.OcspUrl ?? OcspUrl;
        if (ocspUrl is not null)
        {
            req.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension([ocspUrl.AbsoluteUri], null, false));
        }

        if (options.MustStaple ?? MustStaple)
        {
            // TLSFeature ::= SEQUENCE OF INTEGER; status_request(5)
            req.CertificateExtensions.Add(new X509Extension(TlsFeatureOid, [0x30, 0x03, 0x02, 0x01, 0x05], false));
        }

        X509Certificate2 leaf = SignAndRecord(req, key, notBefore, notAfter, "leaf", options.Names);
        return leaf;
    }

    /// <summary>Issues a delegated OCSP responder certificate from the intermediate (id-kp-OCSPSigning EKU and id-pkix-ocsp-nocheck unless told otherwise).</summary>
    public X509Certificate2 IssueOcspResponderCertificate(bool includeOcspSigningEku = true, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        DateTimeOffset nb = notBefore ?? _time.GetUtcNow() - Backdate;
        DateTimeOffset na = notAfter ?? nb.AddDays(30);
        using AsymmetricAlgorithm key = NewKey(KeyAlgorithm);
        CertificateRequest req = NewRequest("CN=RawTls Dev OCSP Responder, O=RawTls Dev PKI", key);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        if (includeOcspSigningEku)
        {
            req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(OcspSigningOid)], false));
        }

        req.CertificateExtensions.Add(new X509Extension(OcspNoCheckOid, [0x05, 0x00], false));
        return SignAndRecord(req, key, nb, na, "ocsp-responder", []);
    }

    /// <summary>Normalizes a hex serial: strips <c>0x</c>, colons and spaces and leading zeros; upper-cases.</summary>
    /// <exception cref="DevPkiException">Not a hex number.</exception>
    public static string NormalizeSerial(string serialHex)
    {
        ArgumentNullException.ThrowIfNull(serialHex);
        string s = serialHex.Trim();
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            s = s[2..];
        }

        s = s.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        if (s.Length == 0 || !s.All(char.IsAsciiHexDigit))
        {
            throw new DevPkiException($"'{serialHex}' is not a hexadecimal serial number");
        }

        s = s.TrimStart('0').ToUpperInvariant();
        return s.Length == 0 ? "0" : s;
    }

    /// <summary>Writes <c>leaf.pem</c>, <c>leaf.key</c> (PKCS#8) and <c>chain.pem</c> (this intermediate) for <paramref name="leaf"/> into <paramref name="directory"/>.</summary>
    public void WriteLeafFiles(string directory, X509Certificate2 leaf)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        AtomicFile.WriteAllText(Path.Combine(directory, LeafKeyFile), ExportKeyPem(leaf), secret: true);
        AtomicFile.WriteAllText(Path.Combine(directory, LeafCertFile), leaf.ExportCertificatePem() + "\n");
        AtomicFile.WriteAllText(Path.Combine(directory, ChainFile), Intermediate.ExportCertificatePem() + "\n");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Root.Dispose();
        Intermediate.Dispose();
        Leaf?.Dispose();
    }
}
