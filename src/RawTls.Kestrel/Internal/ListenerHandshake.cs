using System.Net.Security;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace RawTls.Kestrel.Internal;

/// <summary>
/// Answers Kestrel's per-handshake callback for one listener. When the listener's ALPN list equals the one the published
/// options carry, the published object is returned as is (nothing allocated, and Kestrel leaves options with ALPN set
/// untouched); otherwise a copy with the listener's ALPN list is made per handshake.
/// </summary>
internal sealed class ListenerHandshake(RawTlsStapling stapling, List<SslApplicationProtocol> alpn)
{
    public static readonly Func<TlsHandshakeCallbackContext, ValueTask<SslServerAuthenticationOptions>> Callback =
        static context => ((ListenerHandshake)context.State!).OnConnectionAsync(context.ClientHelloInfo.ServerName, context.CancellationToken);

    /// <summary>The options for one handshake; waits only for a handshake that arrives before the set has started.</summary>
    internal ValueTask<SslServerAuthenticationOptions> OnConnectionAsync(string? serverName, CancellationToken cancellationToken)
    {
        if (!stapling.IsStarted)
        {
            return WaitThenSelectAsync(serverName, cancellationToken);
        }

        return new ValueTask<SslServerAuthenticationOptions>(Select(serverName));
    }

    private async ValueTask<SslServerAuthenticationOptions> WaitThenSelectAsync(string? serverName, CancellationToken cancellationToken)
    {
        await stapling.WhenStartedAsync(cancellationToken).ConfigureAwait(false);
        return Select(serverName);
    }

    private SslServerAuthenticationOptions Select(string? serverName)
    {
        SslServerAuthenticationOptions options = stapling.Select(serverName);
        if (SameProtocols(options.ApplicationProtocols))
        {
            return options;
        }

        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = options.ServerCertificateContext,
            ApplicationProtocols = alpn,
            EnabledSslProtocols = options.EnabledSslProtocols,
            ClientCertificateRequired = options.ClientCertificateRequired,
            RemoteCertificateValidationCallback = options.RemoteCertificateValidationCallback,
            CertificateRevocationCheckMode = options.CertificateRevocationCheckMode,
            AllowTlsResume = options.AllowTlsResume,
            AllowRenegotiation = false,
        };
    }

    private bool SameProtocols(List<SslApplicationProtocol>? published)
    {
        if (published is null || published.Count != alpn.Count)
        {
            return false;
        }

        for (int i = 0; i < alpn.Count; i++)
        {
            if (!published[i].Equals(alpn[i]))
            {
                return false;
            }
        }

        return true;
    }
}
