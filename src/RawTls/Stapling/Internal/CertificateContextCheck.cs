using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RawTls.Internal.Runtime;
using RawTls.Ocsp.Internal;

namespace RawTls.Stapling.Internal;

/// <summary>
/// Proves once per process that <see cref="RuntimeCertificateContext"/>'s constructor path works on this runtime: a
/// throwaway issuer and leaf, a context made from them without a chain build, and a real in-memory TLS handshake in
/// which the client must receive exactly that leaf with that issuer. Any doubt means "unavailable": contexts keep
/// coming from the runtime's chain build (correct, dearer in memory and time).
/// </summary>
internal static class CertificateContextCheck
{
    private static readonly Lazy<Task<(bool Ok, string? Problem)>> s_result = new(static () => RunAsync(simulateUnavailable: false));

    /// <summary>The cached verdict of the one check this process runs; a success switches the factory over.</summary>
    public static Task<(bool Ok, string? Problem)> ResultAsync() => s_result.Value;

    /// <summary>Runs the check (tests call it directly); <paramref name="simulateUnavailable"/> makes the constructor path fail.</summary>
    internal static async Task<(bool Ok, string? Problem)> RunAsync(bool simulateUnavailable)
    {
        if (!OperatingSystem.IsLinux())
        {
            return (false, "not the OpenSSL implementation of SslStream");
        }

        try
        {
            using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            DateTimeOffset now = DateTimeOffset.UtcNow;
            var issuerRequest = new CertificateRequest("CN=rawtls-context-check-issuer", issuerKey, HashAlgorithmName.SHA256);
            issuerRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using X509Certificate2 issuer = issuerRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddMinutes(5));
            var leafRequest = new CertificateRequest("CN=rawtls-context-check", leafKey, HashAlgorithmName.SHA256);
            using X509Certificate2 leafPublic = leafRequest.Create(issuer, now.AddMinutes(-5), now.AddMinutes(5), [1, 2, 3, 4]);
            using X509Certificate2 leaf = leafPublic.CopyWithPrivateKey(leafKey);

            SslStreamCertificateContext context = simulateUnavailable
                ? throw new MissingMethodException("simulated: constructor path disabled for testing")
                : RuntimeCertificateContext.FromChain(leaf, [issuer]);
            if (!ReferenceEquals(context.TargetCertificate, leaf) || context.IntermediateCertificates.Count != 1
                || context.IntermediateCertificates[0].Thumbprint != issuer.Thumbprint)
            {
                return (false, "the constructed context does not hold the given chain");
            }

            List<string> sent = await SentChainAsync(context).ConfigureAwait(false);
            string expected = leaf.Thumbprint + "," + issuer.Thumbprint;
            string received = string.Join(",", sent);
            if (received != expected)
            {
                return (false, $"the client received {(sent.Count == 0 ? "nothing" : received)}, expected {expected}");
            }

            RuntimeCertificateContext.MarkVerified();
            return (true, null);
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException or CryptographicException or TimeoutException
            or OperationCanceledException or InvalidOperationException or PlatformNotSupportedException or MemberAccessException
            or NotSupportedException or InvalidCastException)
        {
            return (false, ex.Message);
        }
    }

    /// <summary>
    /// The thumbprints a client receives from a server using <paramref name="context"/> in one in-memory TLS 1.3
    /// handshake: the leaf first, then the other certificates sent, in order (tests use it too).
    /// </summary>
    internal static async Task<List<string>> SentChainAsync(SslStreamCertificateContext context)
    {
        var (serverEnd, clientEnd) = InMemoryDuplexStream.CreatePair();
        using var server = new SslStream(serverEnd, leaveInnerStreamOpen: false);
        using var client = new SslStream(clientEnd, leaveInnerStreamOpen: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string leaf = context.TargetCertificate.Thumbprint;
        var sent = new List<string>();
        Task serverTask = server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = context }, timeout.Token);
        await client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "rawtls-context-check",
            EnabledSslProtocols = SslProtocols.Tls13,
            // what the server sent: the leaf, and the rest in the chain's extra store (rare: the closure is fine)
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                if (certificate is not X509Certificate2 received)
                {
                    return false;
                }

                sent.Add(received.Thumbprint);
                foreach (X509Certificate2 other in chain?.ChainPolicy.ExtraStore ?? [])
                {
                    if (other.Thumbprint != received.Thumbprint)
                    {
                        sent.Add(other.Thumbprint); // the store holds the leaf too
                    }
                }

                return received.Thumbprint == leaf;
            },
        }, timeout.Token).ConfigureAwait(false);
        await serverTask.ConfigureAwait(false);
        return sent;
    }
}
