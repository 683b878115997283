using RawTls.Certificates;
using RawTls.Cli.Protocols;
using RawTls.Ocsp;
using RawTls.Server;

namespace RawTls.Cli.Commands;

/// <summary>
/// <c>GET /ready</c> for <c>serve</c>: ready while running; not ready once draining, or (with <c>--stapling require</c>)
/// while a certificate has no servable staple.
/// </summary>
internal sealed class ServeReadiness(bool requireStaple) : IReadinessProbe
{
    private TlsServer? _server;
    private volatile bool _draining;

    public bool Draining => _draining;

    public void Attach(TlsServer server) => _server = server;

    public void BeginDrain() => _draining = true;

    public string? NotReadyReason()
    {
        if (_draining)
        {
            return "draining";
        }

        if (requireStaple && _server is { } server)
        {
            foreach (CertificateHolder holder in server.Certificates)
            {
                if (holder.StaplingStatus is { Staple: null })
                {
                    return "no staple";
                }
            }
        }

        return null;
    }
}
