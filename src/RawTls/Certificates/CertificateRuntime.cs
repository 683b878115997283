using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RawTls.Diagnostics;
using RawTls.Ocsp;
using RawTls.Ocsp.Internal;
using RawTls.Server;

namespace RawTls.Certificates;

/// <summary>
/// Loads the configured certificates, creates their holders and keeps them current (stapling refresh).
/// Owned by one <see cref="TlsServer"/>.
/// </summary>
internal sealed class CertificateRuntime : IAsyncDisposable
{
    private readonly TlsServerOptions _options;
    private readonly SslServerAuthenticationOptions _template;
    private readonly RawTlsMetrics _metrics;

    public CertificateRuntime(TlsServerOptions options, SslServerAuthenticationOptions template, RawTlsMetrics metrics)
    {
        _options = options;
        _template = template;
        _metrics = metrics;
    }

    private readonly List<Stapler> _staplers = [];
    private OcspClient? _client;

    /// <summary>Per-certificate stapling status, in configuration order (certificates with stapling off are absent).</summary>
    public IReadOnlyList<Stapler> Staplers => _staplers;

    /// <summary>True when staples are bound through the runtime adapter (false after a failed startup check).</summary>
    public bool AdapterActive { get; private set; } = true;

    public async Task<CertificateSelector> StartAsync(CancellationToken cancellationToken)
    {
        TimeProvider time = _options.TimeProvider;
        StaplingOptions stapling = _options.Stapling;
        ILogger logger = _options.LoggerFactory?.CreateLogger("RawTls.Ocsp") ?? NullLogger.Instance;
        var log = new StaplingLog(logger);
        var entries = new List<(CertificateHolder, IEnumerable<string>)>();
        StaplingServices? services = null;
        foreach (ServerCertificateOptions source in _options.Certificates)
        {
            CertificateBundle bundle;
            try
            {
                bundle = CertificateLoader.Load(source, time.GetUtcNow());
            }
            catch (CertificateLoadException)
            {
                _metrics.CertificateLoad("error", source.ToString());
                throw;
            }

            _metrics.CertificateLoad("ok", source.ToString());
            StaplingMode mode = source.Stapling ?? stapling.Mode;
            if (mode != StaplingMode.Off && OcspCertificateInfo.IsMustStaple(bundle.Leaf))
            {
                mode = StaplingMode.Require; // Must-Staple: clients will refuse it unstapled anyway
            }

            if (mode != StaplingMode.Off && bundle.Issuer is null)
            {
                if (mode == StaplingMode.Require)
                {
                    throw new CertificateLoadException($"{source}: stapling is required but the chain does not include the certificate's issuer ('{bundle.Leaf.Issuer}'), which OCSP needs.");
                }

                log.NoIssuer(source.ToString());
                mode = StaplingMode.Off;
            }

            bool adapter = mode != StaplingMode.Off && await EnsureAdapterAsync(bundle, log, cancellationToken).ConfigureAwait(false);
            bool stapled = mode != StaplingMode.Off;

            // Without the adapter, the initial context never staples; the stapler publishes runtime-fetching
            // contexts only after a probe handshake has shown them stapling a valid response.
            var context = StapledContextFactory.Create(bundle, stapled && adapter, staple: null, stapling.ExpiryMargin, time, version: 1);
            var holder = new CertificateHolder(source, mode, _template, context, serve: mode != StaplingMode.Require);
            entries.Add((holder, source.HostNames ?? GetNames(bundle.Leaf)));
            if (stapled)
            {
                services ??= CreateServices(log, adapter);
                _staplers.Add(new Stapler(holder, bundle, bundle.Issuer!, stapling, services));
            }
        }

        foreach (Stapler stapler in _staplers)
        {
            stapler.Holder.Stapler = stapler;
            stapler.Start();
        }

        _metrics.ObserveStapling(StatusesForMetrics, time);

        if (_staplers.Count > 0)
        {
            // Obtain first staples before accepting, so the first handshake is stapled; bounded.
            try
            {
                await Task.WhenAll(_staplers.Select(s => s.FirstAttempt)).WaitAsync(stapling.StartupWait, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }

            foreach (Stapler stapler in _staplers)
            {
                if (!stapler.Holder.IsServing)
                {
                    log.RequiredStapleMissing(stapler.Holder.Source.ToString());
                }
            }
        }

        return new CertificateSelector(entries, _options.UnknownServerName == UnknownServerNamePolicy.RefuseHandshake);
    }

    private IEnumerable<(string, StapleStatus)> StatusesForMetrics()
    {
        foreach (Stapler stapler in _staplers)
        {
            yield return (stapler.Holder.Current.Leaf.Subject, stapler.Status);
        }
    }

    private StaplingServices CreateServices(StaplingLog log, bool adapterActive)
    {
        StaplingOptions stapling = _options.Stapling;
        _client = new OcspClient(new OcspClientOptions
        {
            Timeout = stapling.FetchTimeout,
            MaxResponseBytes = stapling.MaxResponseBytes,
            MaxRedirects = stapling.MaxRedirects,
            TimeProvider = TimeProvider.System, // network deadlines are real time even under a fake clock
        });
        CertificateBundle? fallback = null;
        if (stapling.FallbackCertificate is not null)
        {
            fallback = CertificateLoader.Assemble(stapling.FallbackCertificate, stapling.FallbackChain is null ? [] : [.. stapling.FallbackChain], "fallback certificate");
        }

        return new StaplingServices(
            _options.TimeProvider,
            _client,
            stapling.CacheDirectory is null ? null : new StapleCache(stapling.CacheDirectory),
            _metrics,
            log,
            fallback,
            adapterActive);
    }

    private async Task<bool> EnsureAdapterAsync(CertificateBundle bundle, StaplingLog log, CancellationToken cancellationToken)
    {
        if (_adapterChecked)
        {
            return AdapterActive;
        }

        _adapterChecked = true;
        (bool ok, string? problem) = await StapleAdapterCheck.RunAsync(bundle, _options.Stapling.SimulateAdapterUnavailable, cancellationToken).ConfigureAwait(false);
        AdapterActive = ok;
        _metrics.SetAdapterAvailable(ok);
        if (!ok)
        {
            log.AdapterUnavailable(problem ?? "unknown");
        }

        return ok;
    }

    private bool _adapterChecked;

    public async ValueTask DisposeAsync()
    {
        foreach (Stapler stapler in _staplers)
        {
            await stapler.DisposeAsync().ConfigureAwait(false);
        }

        _client?.Dispose();
    }

    /// <summary>The DNS names and IP addresses in the certificate's subject alternative names.</summary>
    internal static List<string> GetNames(X509Certificate2 leaf)
    {
        var names = new List<string>();
        foreach (var ext in leaf.Extensions)
        {
            if (ext is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames());
                foreach (IPAddress ip in san.EnumerateIPAddresses())
                {
                    names.Add(ip.ToString());
                }
            }
        }

        if (names.Count == 0)
        {
            string cn = leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            if (!string.IsNullOrEmpty(cn))
            {
                names.Add(cn);
            }
        }

        return names;
    }
}
