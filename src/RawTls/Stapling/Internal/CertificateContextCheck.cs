using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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

            string? problem = await HandshakeAsync(context, leaf.Thumbprint, issuer.Thumbprint).ConfigureAwait(false);
            if (problem is null)
            {
                RuntimeCertificateContext.MarkVerified();
            }

            return (problem is null, problem);
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException or CryptographicException or TimeoutException
            or OperationCanceledException or InvalidOperationException or PlatformNotSupportedException or MemberAccessException
            or NotSupportedException or InvalidCastException)
        {
            return (false, ex.Message);
        }
    }

    /// <summary>One in-memory TLS 1.3 handshake; null when the client saw the expected leaf and issuer.</summary>
    private static async Task<string?> HandshakeAsync(SslStreamCertificateContext context, string leaf, string issuer)
    {
        var (serverEnd, clientEnd) = InMemoryDuplexStream.CreatePair();
        using var server = new SslStream(serverEnd, leaveInnerStreamOpen: false);
        using var client = new SslStream(clientEnd, leaveInnerStreamOpen: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string? seen = null;
        Task serverTask = server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = context }, timeout.Token);
        await client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "rawtls-context-check",
            EnabledSslProtocols = SslProtocols.Tls13,
            // what the server sent: the leaf, and the rest in the chain's extra store (once per process: the closure is fine)
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                seen = certificate is X509Certificate2 c ? c.Thumbprint : "none";
                if (chain is not null)
                {
                    foreach (X509Certificate2 sent in chain.ChainPolicy.ExtraStore)
                    {
                        if (sent.Thumbprint != leaf)
                        {
                            seen += "," + sent.Thumbprint; // the store holds the leaf too
                        }
                    }
                }

                return certificate is X509Certificate2 received && received.Thumbprint == leaf;
            },
        }, timeout.Token).ConfigureAwait(false);
        await serverTask.ConfigureAwait(false);
        string expected = leaf + "," + issuer;
        return seen == expected ? null : $"the client received {seen ?? "nothing"}, expected {expected}";
    }
}
