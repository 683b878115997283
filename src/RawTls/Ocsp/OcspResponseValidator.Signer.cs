using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;

namespace RawTls.Ocsp;

/// <summary>Who signed the response: the issuer itself or a delegated responder it authorised (RFC 6960 §4.2.2.2).</summary>
internal sealed partial class OcspResponseValidator
{
    private (OcspRejectReason Reason, string Message) CheckSigner(OcspBasicResponse basic, DateTimeOffset now)
    {
        // Clients parse the whole response: an embedded certificate that does not parse makes the staple unusable
        // even when the issuer signed it (the certificates are outside the signed data).
        foreach (ReadOnlyMemory<byte> certificateDer in basic.Certificates)
        {
            try
            {
                X509CertificateLoader.LoadCertificate(certificateDer.Span).Dispose();
            }
            catch (CryptographicException ex)
            {
                return (OcspRejectReason.Malformed, $"An included certificate does not parse: {ex.Message}");
            }
        }

        bool idIsIssuer = basic.ResponderKeyHash is { } keyHash
            ? keyHash.Span.SequenceEqual(_issuerKeyHashSha1)
            : basic.ResponderName!.Value.Span.SequenceEqual(_issuerSubject);
        if (idIsIssuer)
        {
            return VerifyWith(basic, _issuerKey, "the issuer");
        }

        foreach (ReadOnlyMemory<byte> certificateDer in basic.Certificates)
        {
            X509Certificate2 candidate;
            try
            {
                candidate = X509CertificateLoader.LoadCertificate(certificateDer.Span);
            }
            catch (CryptographicException ex)
            {
                return (OcspRejectReason.Malformed, $"An included certificate does not parse: {ex.Message}");
            }

            using (candidate)
            {
                bool matches = basic.ResponderKeyHash is { } hash
                    ? hash.Span.SequenceEqual(OcspHashAlgorithms.Hash(HashAlgorithmName.SHA1, candidate.PublicKey.EncodedKeyValue.RawData))
                    : basic.ResponderName!.Value.Span.SequenceEqual(candidate.SubjectName.RawData);
                if (matches)
                {
                    return CheckDelegate(basic, candidate, certificateDer, now);
                }
            }
        }

        return OcspSignatureVerifier.Verify(basic.SignatureAlgorithm, _issuerKey, basic.TbsResponseData.Span, basic.Signature) switch
        {
            true => (OcspRejectReason.ResponderIdMismatch, "Signed by the issuer, but the responder id does not identify the issuer."),
            null => (OcspRejectReason.UnsupportedSignatureAlgorithm, "Unsupported signature algorithm."),
            false => (OcspRejectReason.Unverifiable, "No signer: the responder id matches neither the issuer nor an included certificate, and the issuer's key does not verify the signature."),
        };
    }

    private (OcspRejectReason Reason, string Message) CheckDelegate(OcspBasicResponse basic, X509Certificate2 responder, ReadOnlyMemory<byte> responderDer, DateTimeOffset now)
    {
        if (responderDer.Span.SequenceEqual(_issuerRaw))
        {
            return VerifyWith(basic, _issuerKey, "the issuer");
        }

        string subject = responder.Subject;
        if (!responder.IssuerName.RawData.AsSpan().SequenceEqual(_issuerSubject) || !OcspSignatureVerifier.IsSignedBy(responderDer, _issuerKey))
        {
            return (OcspRejectReason.UnauthorizedSigner, $"Responder certificate '{subject}' is not issued by the certificate's issuer.");
        }

        if (!HasOcspSigningEku(responder))
        {
            return (OcspRejectReason.UnauthorizedSigner, $"Responder certificate '{subject}' lacks the id-kp-OCSPSigning extended key usage.");
        }

        var notBefore = new DateTimeOffset(responder.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(responder.NotAfter.ToUniversalTime());
        if (now < notBefore || now > notAfter)
        {
            return (OcspRejectReason.SignerCertificateNotValid, $"Responder certificate '{subject}' is valid {notBefore:O} to {notAfter:O}, not at {now:O}.");
        }

        return VerifyWith(basic, OcspSignatureVerifier.ImportPublicKey(responder), $"delegated responder '{subject}'");
    }

    private static (OcspRejectReason Reason, string Message) VerifyWith(OcspBasicResponse basic, AsymmetricKeyParameter key, string signer) =>
        OcspSignatureVerifier.Verify(basic.SignatureAlgorithm, key, basic.TbsResponseData.Span, basic.Signature) switch
        {
            true => (OcspRejectReason.None, string.Empty),
            null => (OcspRejectReason.UnsupportedSignatureAlgorithm, "Unsupported signature algorithm."),
            false => (OcspRejectReason.InvalidSignature, $"The signature does not verify with the key of {signer}."),
        };

    private static bool HasOcspSigningEku(X509Certificate2 certificate)
    {
        foreach (X509Extension extension in certificate.Extensions)
        {
            if (extension is X509EnhancedKeyUsageExtension eku)
            {
                foreach (Oid usage in eku.EnhancedKeyUsages)
                {
                    if (usage.Value == OcspOids.OcspSigningEku)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }
}
