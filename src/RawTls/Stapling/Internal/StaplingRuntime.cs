using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RawTls.Certificates;
using RawTls.Diagnostics;
using RawTls.Internal.Runtime;
using RawTls.Ocsp;

namespace RawTls.Stapling.Internal;

/// <summary>
/// The stapling side of a certificate set: resolves each certificate's mode, runs the adapter check once, and creates
/// staplers that share one HTTP client, store and set of services.
/// </summary>
internal sealed class StaplingRuntime : IDisposable
{
    private readonly StaplingOptions _options;
    private readonly TimeProvider _time;
    private readonly RawTlsMetrics _metrics;
    private readonly Random? _random;
    private StaplingServices? _services;
    private OcspClient? _client;
    private bool _adapterChecked;

    public StaplingRuntime(StaplingOptions validated, TimeProvider time, RawTlsMetrics metrics, ILoggerFactory? loggerFactory)
    {
        _options = validated;
        _time = time;
        _metrics = metrics;
        _random = validated.Random;
        Log = new StaplingLog(loggerFactory?.CreateLogger("RawTls.Ocsp") ?? NullLogger.Instance);
    }

    public StaplingLog Log { get; }

    /// <summary>True when staples are bound through the runtime adapter.</summary>
    public bool AdapterActive { get; private set; } = true;

    /// <summary>The effective mode of <paramref name="bundle"/> (Must-Staple forces Require) and whether the adapter binds its staples.</summary>
    public async Task<(StaplingMode Mode, bool Adapter)> ResolveModeAsync(ServerCertificateOptions source, CertificateBundle bundle, CancellationToken cancellationToken)
    {
        StaplingMode mode = source.Stapling ?? _options.Mode;
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

            Log.NoIssuer(source.ToString());
            mode = StaplingMode.Off;
        }

        bool adapter = mode != StaplingMode.Off && await EnsureAdapterAsync(bundle, cancellationToken).ConfigureAwait(false);
        return (mode, adapter);
    }

    /// <summary>The context a certificate starts with: stapling through the adapter but no staple yet, or never stapling.</summary>
    public StapledCertificateContext InitialContext(CertificateBundle bundle, StaplingMode mode, bool adapter, long version) =>
        StapledContextFactory.Create(bundle, mode != StaplingMode.Off && adapter, staple: null, DateTimeOffset.MinValue, _time, version);

    public Stapler CreateStapler(CertificateBundle bundle, StaplingMode mode, Uri? overrideUrl, PublicationSink sink) =>
        new(bundle, mode, overrideUrl, Services(), sink);

    private StaplingServices Services()
    {
        if (_services is not null)
        {
            return _services;
        }

        _client = new OcspClient(new OcspClientOptions
        {
            Timeout = _options.FetchTimeout,
            MaxResponseBytes = _options.MaxResponseBytes,
            MaxRedirects = _options.MaxRedirects,
            TimeProvider = TimeProvider.System, // network deadlines are real time even under a fake clock
        });
        CertificateBundle? fallback = _options.FallbackCertificate is null
            ? null
            : CertificateLoader.Assemble(_options.FallbackCertificate, _options.FallbackChain is null ? [] : [.. _options.FallbackChain], "fallback certificate");
        IStapleStore? store = _options.Store ?? (_options.CacheDirectory is { } dir ? new DirectoryStapleStore(dir, _options.MaxResponseBytes, _time) : null);
        StoreAccess? access = store is null ? null : new StoreAccess(store, _options.StoreTimeout, _metrics, Log);
        Random random = _random ?? Random.Shared;
        _services = new StaplingServices(_options, _time, _client, access, _metrics, Log, fallback, AdapterActive, () => (random.NextDouble() * 2) - 1);
        return _services;
    }

    private async Task<bool> EnsureAdapterAsync(CertificateBundle bundle, CancellationToken cancellationToken)
    {
        if (_adapterChecked)
        {
            return AdapterActive;
        }

        _adapterChecked = true;
        if (!RuntimeStapleAdapter.IsSupportedPlatform)
        {
            AdapterActive = false;
            Log.AdapterNotOnThisPlatform(System.Runtime.InteropServices.RuntimeInformation.OSDescription);
        }
        else
        {
            (bool ok, string? problem) = await StapleAdapterCheck.RunAsync(bundle, _options.SimulateAdapterUnavailable, cancellationToken).ConfigureAwait(false);
            AdapterActive = ok;
            if (!ok)
            {
                Log.AdapterUnavailable(problem ?? "unknown");
            }
        }

        _metrics.SetAdapterAvailable(AdapterActive);
        return AdapterActive;
    }

    public void Dispose() => _client?.Dispose();
}
