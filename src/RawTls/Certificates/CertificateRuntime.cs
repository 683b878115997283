using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using RawTls.Diagnostics;
using RawTls.Ocsp;
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

    public Task<CertificateSelector> StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TimeProvider time = _options.TimeProvider;
        var entries = new List<(CertificateHolder, IEnumerable<string>)>();
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
            StaplingMode mode = StaplingMode.Off;
            var context = StapledContextFactory.Create(bundle, stapling: false, staple: null, _options.Stapling.ExpiryMargin, time, version: 1);
            var holder = new CertificateHolder(source, mode, _template, context, serve: true);
            entries.Add((holder, source.HostNames ?? GetNames(bundle.Leaf)));
        }

        return Task.FromResult(new CertificateSelector(entries, _options.UnknownServerName == UnknownServerNamePolicy.RefuseHandshake));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

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
