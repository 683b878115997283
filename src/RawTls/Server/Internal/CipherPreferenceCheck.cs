using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RawTls.Internal.Runtime;
using RawTls.Ocsp.Internal;

namespace RawTls.Server.Internal;

/// <summary>
/// Proves once per process that <see cref="RuntimeCipherPreference"/> works on this runtime, with two in-memory TLS
/// 1.3 handshakes against a throwaway certificate, the client offering AES-128-GCM before AES-256-GCM: the first
/// finds the runtime's context preferring its own order, the adapter clears that, and the second, on the same
/// context, follows the client. Any doubt means "unavailable": handshakes then keep the runtime's order (correct,
/// one SHA-384 key schedule dearer).
/// </summary>
internal static class CipherPreferenceCheck
{
    private static readonly Lazy<Task<(bool Ok, string? Problem)>> s_result = new(RunAsync);

    /// <summary>The cached verdict of the one check this process runs.</summary>
    public static Task<(bool Ok, string? Problem)> ResultAsync() => s_result.Value;

    private static async Task<(bool Ok, string? Problem)> RunAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            return (false, "not the OpenSSL implementation of SslStream");
        }

        try
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=rawtls-cipher-check", key, HashAlgorithmName.SHA256);
            using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
            var context = SslStreamCertificateContext.Create(certificate, null, offline: true);

            (TlsCipherSuite first, SslStream firstServer) = await HandshakeAsync(context).ConfigureAwait(false);
            using (firstServer)
            {
                if (!RuntimeCipherPreference.TryBind(out string? problem))
                {
                    return (false, problem);
                }

                if (first == TlsCipherSuite.TLS_AES_128_GCM_SHA256 && !RuntimeCipherPreference.PrefersServerOrder(firstServer))
                {
                    return (false, "the runtime already follows the client's order: nothing to do");
                }

                if (first != TlsCipherSuite.TLS_AES_256_GCM_SHA384 || !RuntimeCipherPreference.Apply(firstServer))
                {
                    return (false, $"the runtime's context did not prefer its own order as expected (negotiated {first})");
                }
            }

            (TlsCipherSuite second, SslStream secondServer) = await HandshakeAsync(context).ConfigureAwait(false);
            using (secondServer)
            {
                return second == TlsCipherSuite.TLS_AES_128_GCM_SHA256 && !RuntimeCipherPreference.PrefersServerOrder(secondServer)
                    ? (true, null)
                    : (false, $"after clearing the server preference the handshake negotiated {second}");
            }
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException or CryptographicException or TimeoutException
            or OperationCanceledException or InvalidOperationException or PlatformNotSupportedException or MemberAccessException
            or EntryPointNotFoundException or DllNotFoundException)
        {
            return (false, ex.Message);
        }
    }

    /// <summary>One in-memory TLS 1.3 handshake; returns the suite and the server stream (open, for the adapter).</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static async Task<(TlsCipherSuite Suite, SslStream Server)> HandshakeAsync(SslStreamCertificateContext context)
    {
        string expected = context.TargetCertificate.Thumbprint;
        var (serverEnd, clientEnd) = InMemoryDuplexStream.CreatePair();
        var server = new SslStream(serverEnd, leaveInnerStreamOpen: false);
        using var client = new SslStream(clientEnd, leaveInnerStreamOpen: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            Task serverTask = server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = context }, timeout.Token);
            await client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "rawtls-cipher-check",
                EnabledSslProtocols = SslProtocols.Tls13,
                CipherSuitesPolicy = new CipherSuitesPolicy([TlsCipherSuite.TLS_AES_128_GCM_SHA256, TlsCipherSuite.TLS_AES_256_GCM_SHA384]),
                // the throwaway certificate of this check and nothing else (once per process: the closure is fine)
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is X509Certificate2 c && c.Thumbprint == expected,
            }, timeout.Token).ConfigureAwait(false);
            await serverTask.ConfigureAwait(false);
            return (server.NegotiatedCipherSuite, server);
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }
}
