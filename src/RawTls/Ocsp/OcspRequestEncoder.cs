using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace RawTls.Ocsp;

/// <summary>Builds DER-encoded OCSPRequests (RFC 6960 §4.1) in the RFC 5019 profile: one CertID, no nonce, no extensions, unsigned.</summary>
internal static class OcspRequestEncoder
{
    /// <summary>Encodes an OCSPRequest for <paramref name="certId"/>.</summary>
    public static byte[] Encode(OcspCertId certId)
    {
        ArgumentNullException.ThrowIfNull(certId);
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence()) // OCSPRequest
        {
            using (writer.PushSequence()) // TBSRequest; version v1 is the DEFAULT and therefore omitted in DER
            {
                using (writer.PushSequence()) // requestList
                {
                    using (writer.PushSequence()) // Request
                    {
                        certId.WriteTo(writer);
                    }
                }
            }
        }

        return writer.Encode();
    }

    /// <summary>Encodes an OCSPRequest with a SHA-1 CertID for <paramref name="leaf"/> issued by <paramref name="issuer"/>.</summary>
    public static byte[] Encode(X509Certificate2 leaf, X509Certificate2 issuer) => Encode(OcspCertId.Create(leaf, issuer));
}
