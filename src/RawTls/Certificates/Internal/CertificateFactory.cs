using RawTls.Diagnostics;
using RawTls.Ocsp;
using RawTls.Stapling;
using RawTls.Stapling.Internal;

namespace RawTls.Certificates;

/// <summary>
/// The one build sequence for a served certificate, used at start and on reload: read and check the files, resolve
/// the stapling mode, build the initial context, create the stapler.
/// </summary>
internal sealed class CertificateFactory(CertificateSetOptions options, StaplingRuntime stapling, RawTlsMetrics metrics)
{
    /// <summary>Reads <paramref name="source"/> (files or memory) and checks it.</summary>
    public LoadedCertificate Load(ServerCertificateOptions source, CertificateFiles? files = null)
    {
        if (files is null && source.Kind != CertificateSourceKind.InMemory)
        {
            files = CertificateFiles.Read(source);
        }

        return new LoadedCertificate(CertificateLoader.Load(source, options.TimeProvider.GetUtcNow(), files), files?.Hash);
    }

    /// <summary>Counts a load or reload: <c>ok</c> or <c>error</c>.</summary>
    public void Count(ServerCertificateOptions source, bool ok) => metrics.CertificateLoad(ok ? "ok" : "error", source.ToString());

    /// <summary>The effective stapling mode of <paramref name="bundle"/> and the context it is first served with.</summary>
    public async Task<(StaplingMode Mode, StapledCertificateContext Initial)> PrepareAsync(ServerCertificateOptions source, CertificateBundle bundle, long version, CancellationToken cancellationToken)
    {
        (StaplingMode mode, bool adapter) = await stapling.ResolveModeAsync(source, bundle, cancellationToken).ConfigureAwait(false);
        return (mode, stapling.InitialContext(bundle, mode, adapter, version));
    }

    /// <summary>A stapler publishing into <paramref name="holder"/> (staged: held back until activated), or null when stapling is off.</summary>
    public (Stapler? Stapler, PublicationSink? Sink) CreateStapler(ServerCertificateOptions source, CertificateBundle bundle, StaplingMode mode, CertificateHolder holder, bool staged)
    {
        if (mode == StaplingMode.Off)
        {
            return (null, null);
        }

        var sink = new PublicationSink(holder, staged);
        return (stapling.CreateStapler(bundle, mode, source.OcspResponderUrl, sink), sink);
    }
}
