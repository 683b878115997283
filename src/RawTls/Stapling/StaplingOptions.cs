using System.Security.Cryptography.X509Certificates;

namespace RawTls.Stapling;

/// <summary>How OCSP responses are fetched, kept and refreshed.</summary>
public sealed partial class StaplingOptions
{
    /// <summary>Default mode for certificates that set none. Default <see cref="StaplingMode.Auto"/>.</summary>
    public StaplingMode Mode { get; set; } = StaplingMode.Auto;

    /// <summary>
    /// Directory for the staple cache (one host, or a volume shared by a fleet). Used when <see cref="Store"/> is null.
    /// Null with no store: memory only.
    /// </summary>
    public string? CacheDirectory { get; set; }

    /// <summary>
    /// Where responses are kept between restarts and shared with other instances (one fetches per refresh, the others
    /// pick its response up, validated as if fetched). Null: a directory store in <see cref="CacheDirectory"/>, if set.
    /// </summary>
    public IStapleStore? Store { get; set; }

    /// <summary>Longest wait for one store call; a slower store is treated as down for that call. Default 2 s.</summary>
    public TimeSpan StoreTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Hard limit for one fetch (connect, request, whole body). Default 10 s.</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Responses larger than this are refused. Default 64 KiB.</summary>
    public int MaxResponseBytes { get; set; } = 64 * 1024;

    /// <summary>Redirects followed per fetch. Default 3.</summary>
    public int MaxRedirects { get; set; } = 3;

    /// <summary>
    /// How long <c>StartAsync</c> waits for the first fetch of a certificate that has no valid staple in memory or in
    /// the store, before accepting anyway (Auto) or without it (Require). With a valid staple it does not wait. Default 10 s.
    /// </summary>
    public TimeSpan StartupWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Clock skew tolerated for thisUpdate. Default 5 min.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Shortest time between refreshes of a valid staple; at most a quarter of the response's validity window is used. Default 1 min.</summary>
    public TimeSpan MinRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Longest time between refreshes of a valid staple. Default 24 h.</summary>
    public TimeSpan MaxRefreshInterval { get; set; } = TimeSpan.FromHours(24);

    /// <summary>First retry delay after a failed fetch; doubles per failure, up to a quarter of the validity window. Default 5 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest retry delay. Default 10 min.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A staple stops being served this long before its nextUpdate, but never more than a tenth of its validity window. Default 1 min.</summary>
    public TimeSpan ExpiryMargin { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Random spread applied to refresh times, as a fraction (0.1 = ±10 %). Default 0.1.</summary>
    public double Jitter { get; set; } = 0.1;

    /// <summary>Source of randomness for jitter. Null: <see cref="System.Random.Shared"/>.</summary>
    internal Random? Random { get; set; }

    /// <summary>What to do when the certificate is reported revoked. Default: staple the revoked response.</summary>
    public RevokedCertificatePolicy RevokedPolicy { get; set; } = RevokedCertificatePolicy.StapleRevoked;

    /// <summary>The certificate (with key and chain) served under <see cref="RevokedCertificatePolicy.UseFallbackCertificate"/>.</summary>
    public X509Certificate2? FallbackCertificate { get; set; }

    /// <summary>Intermediates of <see cref="FallbackCertificate"/>.</summary>
    public X509Certificate2Collection? FallbackChain { get; set; }

    /// <summary>Raised (on a background thread) when a certificate is first reported revoked.</summary>
    public event EventHandler<CertificateRevokedEventArgs>? CertificateRevoked;

    /// <summary>Tests of the fallback path: behave as if the runtime adapter failed its startup check.</summary>
    internal bool SimulateAdapterUnavailable { get; set; }

    internal void OnCertificateRevoked(object sender, CertificateRevokedEventArgs e) => CertificateRevoked?.Invoke(sender, e);
}
