using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Security;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace RawTls.Ocsp;

/// <summary>
/// Signature checks for OCSP responses and delegated responder certificates. BouncyCastle is used because it
/// verifies any algorithm identifier (RSA PKCS#1 and PSS with parameters, ECDSA, EdDSA) from its DER directly.
/// </summary>
internal static class OcspSignatureVerifier
{
    public static AsymmetricKeyParameter ImportPublicKey(X509Certificate2 certificate) =>
        PublicKeyFactory.CreateKey(certificate.PublicKey.ExportSubjectPublicKeyInfo());

    /// <summary>Verifies <paramref name="signature"/> over <paramref name="data"/>.</summary>
    /// <returns>Whether it verifies; <see langword="null"/> when the algorithm is not supported.</returns>
    public static bool? Verify(ReadOnlyMemory<byte> algorithmIdentifier, AsymmetricKeyParameter key, ReadOnlySpan<byte> data, byte[] signature)
    {
        IStreamCalculator<IVerifier> calculator;
        try
        {
            var algorithm = AlgorithmIdentifier.GetInstance(algorithmIdentifier.ToArray());
            calculator = new Asn1VerifierFactory(algorithm, key).CreateCalculator();
        }
        catch (Exception ex) when (ex is SecurityUtilityException or InvalidOperationException)
        {
            // Unknown algorithm, or parameters that do not decode (an RSASSA-PSS field with the wrong tagging).
            return null;
        }
        catch (Exception ex) when (ex is GeneralSecurityException or ArgumentException or InvalidCastException)
        {
            // Thrown when the key type does not fit the algorithm (an RSA algorithm with an EC key): not this signer.
            return false;
        }

        try
        {
            using (Stream stream = calculator.Stream)
            {
                stream.Write(data);
            }

            return calculator.GetResult().IsVerified(signature);
        }
        catch (Exception ex) when (ex is CryptoException or InvalidCastException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="certificateDer"/> carries a valid signature by <paramref name="issuerKey"/>.</summary>
    public static bool IsSignedBy(ReadOnlyMemory<byte> certificateDer, AsymmetricKeyParameter issuerKey)
    {
        try
        {
            new BcCertificate(certificateDer.ToArray()).Verify(issuerKey);
            return true;
        }
        catch (Exception ex) when (ex is GeneralSecurityException or CryptoException or ArgumentException or InvalidCastException)
        {
            return false;
        }
    }
}
