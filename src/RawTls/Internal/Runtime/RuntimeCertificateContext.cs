using System.Collections.ObjectModel;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using RawTls.Certificates;

namespace RawTls.Internal.Runtime;

/// <summary>
/// Makes a <see cref="SslStreamCertificateContext"/> for a chain RawTls has already ordered and verified
/// (<see cref="CertificateBundle"/>), through the runtime's private constructor instead of
/// <see cref="SslStreamCertificateContext.Create(X509Certificate2, X509Certificate2Collection?, bool, SslCertificateTrust?)"/>.
/// <para>
/// Why: <c>Create</c> builds an <see cref="X509Chain"/> against the machine trust store for every context, and one
/// context is made per certificate load and per staple swap. On Linux the runtime reloads that store in full (every
/// file of the certificate directory and bundle, several hundred certificates) on the first chain build five minutes
/// after the last load, and leaves the old copy to finalizers: a few MB of native memory at once (part of the soak's 305 s
/// peaks). The chain build only repeats what <c>CertificateLoader.Assemble</c> did (order, signatures, root dropped),
/// so the result is the same chain; like nginx, the server then sends exactly the configured certificates.
/// </para>
/// <para>
/// Runtime internal: the constructor exists in the OpenSSL implementation. <see cref="Stapling.Internal.CertificateContextCheck"/>
/// proves it once per process with a real in-memory handshake; until then, and whenever it fails, contexts come from
/// <c>Create(offline: true)</c> as before.
/// </para>
/// </summary>
internal static class RuntimeCertificateContext
{
    private static volatile bool s_verified;

    /// <summary>True once <see cref="Stapling.Internal.CertificateContextCheck"/> has shown the constructor works on this runtime.</summary>
    public static bool ConstructorVerified => s_verified;

    /// <summary>A context sending <paramref name="bundle"/>'s leaf and intermediates; never fetches OCSP by itself.</summary>
    public static SslStreamCertificateContext Create(CertificateBundle bundle) =>
        s_verified ? FromChain(bundle.Leaf, bundle.Intermediates) : ThroughChainBuild(bundle.Leaf, bundle.Intermediates);

    /// <summary>The runtime's public path (the fallback): a chain build against the machine store.</summary>
    internal static SslStreamCertificateContext ThroughChainBuild(X509Certificate2 leaf, X509Certificate2[] intermediates) =>
        SslStreamCertificateContext.Create(leaf, [.. intermediates], offline: true);

    /// <summary>The constructor path; throws <see cref="MissingMethodException"/> where the runtime has no such constructor.</summary>
    internal static SslStreamCertificateContext FromChain(X509Certificate2 leaf, X509Certificate2[] intermediates) =>
        Construct(leaf, new ReadOnlyCollection<X509Certificate2>(intermediates), trust: null);

    internal static void MarkVerified() => s_verified = true;

    [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
    private static extern SslStreamCertificateContext Construct(X509Certificate2 target, ReadOnlyCollection<X509Certificate2> intermediates, SslCertificateTrust? trust);
}
