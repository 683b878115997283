using System.Net;
using System.Net.Security;
using RawTls.Certificates;
using RawTls.Server;

namespace RawTls.Hosting.Internal;

/// <summary>Copies validated <see cref="RawTlsOptions"/> onto the library's <see cref="TlsServerOptions"/>. Pure apart from the directory scan.</summary>
internal static class ServerOptionsMapper
{
    /// <summary>Applies <paramref name="source"/> to <paramref name="target"/> (an options instance with its defaults).</summary>
    public static void Apply(RawTlsOptions source, TlsServerOptions target)
    {
        target.Stapling = source.Stapling;
        target.Reload = source.Reload;
        foreach (RawTlsEndpointOptions endpoint in source.Endpoints)
        {
            target.EndPoints.Add(new IPEndPoint(EndpointAddress.Parse(endpoint.Address)!, endpoint.Port!.Value));
        }

        foreach (RawTlsCertificateOptions certificate in source.Certificates)
        {
            target.Certificates.Add(Map(certificate));
        }

        if (!string.IsNullOrEmpty(source.CertificateDirectory))
        {
            foreach (var (cert, key, chain) in CertificateDirectory.Scan(source.CertificateDirectory))
            {
                target.Certificates.Add(ServerCertificateOptions.FromPemFiles(cert, key, chain));
            }
        }

        foreach (string alpn in source.ApplicationProtocols)
        {
            target.ApplicationProtocols.Add(new SslApplicationProtocol(alpn));
        }

        target.UnknownServerName = source.UnknownServerName ?? target.UnknownServerName;
        target.HandshakeTimeout = source.HandshakeTimeout ?? target.HandshakeTimeout;
        target.IdleTimeout = source.IdleTimeout ?? target.IdleTimeout;
        target.ShutdownTimeout = source.ShutdownTimeout ?? target.ShutdownTimeout;
        target.MaxConcurrentConnections = source.MaxConcurrentConnections ?? target.MaxConcurrentConnections;
        target.MaxConcurrentHandshakes = source.MaxConcurrentHandshakes ?? target.MaxConcurrentHandshakes;
        target.ListenBacklog = source.ListenBacklog ?? target.ListenBacklog;
        target.AcceptLoopsPerEndPoint = source.AcceptLoopsPerEndPoint ?? target.AcceptLoopsPerEndPoint;
        target.EnabledProtocols = source.EnabledProtocols ?? target.EnabledProtocols;
        target.AllowTlsResume = source.AllowTlsResume ?? target.AllowTlsResume;
    }

    private static ServerCertificateOptions Map(RawTlsCertificateOptions source)
    {
        ServerCertificateOptions target = source.PfxPath is not null
            ? ServerCertificateOptions.FromPfxFile(source.PfxPath, source.PfxPassword)
            : ServerCertificateOptions.FromPemFiles(source.CertificatePath!, source.KeyPath!, source.ChainPath);
        target.HostNames = source.HostNames.Count > 0 ? [.. source.HostNames] : null;
        target.Stapling = source.Stapling;
        target.OcspResponderUrl = source.OcspResponderUrl;
        target.Watch = source.Watch ?? target.Watch;
        return target;
    }
}
