using System.Formats.Asn1;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Ocsp;
using RawTls.DevPki;
using RawTls.Ocsp;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace RawTls.Tests.Fuzz;

/// <summary>
/// Re-verifies a response the validator accepted, with BouncyCastle and none of RawTls's parsing: the bytes are DER
/// (BouncyCastle's re-encoding of tbsResponseData is byte-identical to what the input carries, so the signature covers
/// exactly the bytes parsed), the signature verifies with the issuer's key or with an embedded responder certificate
/// the issuer signed for OCSP signing, and exactly one single response carries the requested CertID, with the
/// status and times the validator reported.
/// </summary>
internal static class OcspIndependentCheck
{
    /// <returns>False when BouncyCastle cannot decode the response at all (it is stricter than OpenSSL about embedded
    /// certificates, which lie outside the signed data); the caller counts those.</returns>
    public static bool AssertGenuine(byte[] response, OcspFuzzContext context, OcspValidationResult result)
    {
        OcspResp resp;
        BasicOcspResp basic;
        try
        {
            resp = new OcspResp(response);
            basic = (BasicOcspResp)resp.GetResponseObject();
        }
        catch (OcspException)
        {
            return false;
        }

        Check(resp.Status == 0, "responseStatus is not successful");

        // The signed bytes as they sit in the input (located with a plain DER walk), against BouncyCastle's DER.
        var envelope = new AsnReader(response, AsnEncodingRules.DER).ReadSequence();
        envelope.ReadEncodedValue(); // responseStatus
        var bytes = envelope.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
        bytes.ReadObjectIdentifier();
        byte[] basicDer = bytes.ReadOctetString();
        byte[] rawTbs = new AsnReader(basicDer, AsnEncodingRules.DER).ReadSequence().ReadEncodedValue().ToArray();
        Check(rawTbs.AsSpan().SequenceEqual(basic.GetTbsResponseData()), "tbsResponseData is not in DER: the signature would cover other bytes than those parsed");

        BcCertificate issuer = BouncyCastleInterop.ToBouncyCastle(context.Issuer);
        AsymmetricKeyParameter issuerKey = issuer.GetPublicKey();
        bool signed = SafeVerify(basic, issuerKey);
        if (!signed)
        {
            foreach (BcCertificate cert in basic.GetCerts())
            {
                if (IssuedBy(cert, issuerKey) && cert.IssuerDN.Equivalent(issuer.SubjectDN)
                    && cert.GetExtendedKeyUsage()?.Contains(KeyPurposeID.id_kp_OCSPSigning) == true
                    && cert.IsValid(context.Now.UtcDateTime) && SafeVerify(basic, cert.GetPublicKey()))
                {
                    signed = true;
                    break;
                }
            }
        }

        Check(signed, "no signature by the issuer or by an issuer-authorised OCSP responder verifies");

        var serial = new BigInteger(1, context.Leaf.GetSerialNumber().Reverse().ToArray());
        SingleResp[] ours = [.. basic.Responses.Where(r => r.GetCertID().SerialNumber.Equals(serial) && r.GetCertID().MatchesIssuer(issuer))];
        Check(ours.Length == 1, $"{ours.Length} single responses carry the requested CertID");
        SingleResp single = ours[0];
        Check(single.ThisUpdate == result.ThisUpdate?.UtcDateTime, "thisUpdate differs");
        Check(single.NextUpdate is not null && single.NextUpdate > context.Now.UtcDateTime, "nextUpdate missing or past");
        OcspVerdict status = single.GetCertStatus() switch
        {
            null => OcspVerdict.Good,
            RevokedStatus => OcspVerdict.Revoked,
            _ => OcspVerdict.Unknown,
        };
        Check(status == result.Verdict, $"BouncyCastle reads {status}, the validator {result.Verdict}");
        foreach (string oid in basic.GetCriticalExtensionOids() ?? new HashSet<string>())
        {
            Check(oid == "1.3.6.1.5.5.7.48.1.2", $"accepted with critical extension {oid}");
        }

        return true;
    }

    private static bool SafeVerify(BasicOcspResp basic, AsymmetricKeyParameter key)
    {
        try
        {
            return basic.Verify(key);
        }
        catch (OcspException)
        {
            return false;
        }
    }

    private static bool IssuedBy(BcCertificate cert, AsymmetricKeyParameter issuerKey)
    {
        try
        {
            cert.Verify(issuerKey);
            return true;
        }
#pragma warning disable CA1031 // BouncyCastle throws several types for a signature that does not verify
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("accepted mutant fails independent verification: " + what);
        }
    }
}
