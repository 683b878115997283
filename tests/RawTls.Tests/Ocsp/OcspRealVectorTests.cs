using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using RawTls.Ocsp;

namespace RawTls.Tests.Ocsp;

public class OcspRealVectorTests
{
    private const string GtsSerial = "F374542E3C7A68360A00000001103462";
    private static readonly DateTimeOffset s_insideGtsWindow = new(2021, 11, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Request_for_leaf_and_issuer_is_byte_identical_to_vector()
    {
        using X509Certificate2 leaf = OcspVectors.Certificate("request-leaf.der");
        using X509Certificate2 issuer = OcspVectors.Certificate("request-issuer.der");

        byte[] request = OcspRequestEncoder.Encode(leaf, issuer);

        Assert.Equal(OcspVectors.Bytes("request-sha1.der"), request);
    }

    [Fact]
    public void CertId_for_request_pair_has_vector_hashes_and_serial()
    {
        using X509Certificate2 leaf = OcspVectors.Certificate("request-leaf.der");
        using X509Certificate2 issuer = OcspVectors.Certificate("request-issuer.der");

        OcspCertId id = OcspCertId.Create(leaf, issuer);

        Assert.Equal(HashAlgorithmName.SHA1, id.HashAlgorithm);
        Assert.Equal("C0FE0278FC99188891B3F212E9C7E1B21AB7BFC0", Convert.ToHexString(id.IssuerNameHash.Span));
        Assert.Equal("0DFC1DF0A9E0F01CE7F2B213177E6F8D157CD4F6", Convert.ToHexString(id.IssuerKeyHash.Span));
        Assert.Equal("017F77DEB3BCBB235D44CCC7DBA62E72", Convert.ToHexString(id.SerialNumber.Span));
    }

    [Fact]
    public void Gts_response_inside_window_is_good()
    {
        using X509Certificate2 issuer = OcspVectors.Certificate("gts-issuer.pem");
        using X509Certificate2 leaf = OcspVectors.FakeLeaf(GtsSerial, issuer.SubjectName, new DateTimeOffset(2022, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var validator = new OcspResponseValidator(leaf, issuer, new FakeTimeProvider(s_insideGtsWindow));

        OcspValidationResult result = validator.Validate(OcspVectors.Bytes("gts-good-response.der"));

        Assert.Equal(OcspVerdict.Good, result.Verdict);
        Assert.Equal(OcspRejectReason.None, result.RejectReason);
        Assert.True(result.IsAccepted);
        Assert.Equal(new DateTimeOffset(2021, 11, 7, 14, 25, 51, TimeSpan.Zero), result.ThisUpdate);
        Assert.Equal(new DateTimeOffset(2021, 11, 14, 13, 25, 50, TimeSpan.Zero), result.NextUpdate);
        Assert.Equal(new DateTimeOffset(2021, 11, 7, 14, 25, 53, TimeSpan.Zero), result.ProducedAt);
        Assert.False(result.IsNextUpdateClamped);
        Assert.Null(result.ResponderName);
        Assert.Equal("8A747FAF85CDEE95CD3D9CD0E24614F371351D27", result.ResponderKeyHash);
        Assert.Equal(OcspVectors.Bytes("gts-good-response.der"), result.RawResponse.ToArray());
    }

    [Fact]
    public void Gts_response_next_update_is_clamped_to_leaf_not_after()
    {
        var notAfter = new DateTimeOffset(2021, 11, 12, 0, 0, 0, TimeSpan.Zero);
        using X509Certificate2 issuer = OcspVectors.Certificate("gts-issuer.pem");
        using X509Certificate2 leaf = OcspVectors.FakeLeaf(GtsSerial, issuer.SubjectName, notAfter);
        var validator = new OcspResponseValidator(leaf, issuer, new FakeTimeProvider(s_insideGtsWindow));

        OcspValidationResult result = validator.Validate(OcspVectors.Bytes("gts-good-response.der"));

        Assert.Equal(OcspVerdict.Good, result.Verdict);
        Assert.True(result.IsNextUpdateClamped);
        Assert.Equal(notAfter, result.NextUpdate);
    }

    [Fact]
    public void Gts_response_with_todays_clock_is_expired()
    {
        using X509Certificate2 issuer = OcspVectors.Certificate("gts-issuer.pem");
        using X509Certificate2 leaf = OcspVectors.FakeLeaf(GtsSerial, issuer.SubjectName, new DateTimeOffset(2022, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var validator = new OcspResponseValidator(leaf, issuer);

        OcspValidationResult result = validator.Validate(OcspVectors.Bytes("gts-good-response.der"));

        Assert.Equal(OcspVerdict.Rejected, result.Verdict);
        Assert.Equal(OcspRejectReason.Expired, result.RejectReason);
        Assert.Equal(new DateTimeOffset(2021, 11, 14, 13, 25, 50, TimeSpan.Zero), result.NextUpdate);
    }

    [Fact]
    public void Gts_response_for_another_serial_is_certid_mismatch()
    {
        using X509Certificate2 issuer = OcspVectors.Certificate("gts-issuer.pem");
        using X509Certificate2 leaf = OcspVectors.FakeLeaf("F374542E3C7A68360A00000001103463", issuer.SubjectName, new DateTimeOffset(2022, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var validator = new OcspResponseValidator(leaf, issuer, new FakeTimeProvider(s_insideGtsWindow));

        OcspValidationResult result = validator.Validate(OcspVectors.Bytes("gts-good-response.der"));

        Assert.Equal(OcspRejectReason.CertIdMismatch, result.RejectReason);
    }

    [Fact]
    public void Gts_response_for_another_issuer_name_with_same_key_is_certid_mismatch()
    {
        // The signature still verifies (same key), so only the issuer name hash in the CertID differs.
        using X509Certificate2 realIssuer = OcspVectors.Certificate("gts-issuer.pem");
        using X509Certificate2 otherIssuer = SameKeyOtherName(realIssuer, "CN=Not GTS CA 1C3");
        using X509Certificate2 leaf = OcspVectors.FakeLeaf(GtsSerial, otherIssuer.SubjectName, new DateTimeOffset(2022, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var validator = new OcspResponseValidator(leaf, otherIssuer, new FakeTimeProvider(s_insideGtsWindow));

        OcspValidationResult result = validator.Validate(OcspVectors.Bytes("gts-good-response.der"));

        Assert.Equal(OcspRejectReason.CertIdMismatch, result.RejectReason);
    }

    [Fact]
    public void Gts_response_for_an_unrelated_issuer_is_unverifiable()
    {
        using X509Certificate2 issuer = OcspVectors.Certificate("request-issuer.der");
        using X509Certificate2 leaf = OcspVectors.FakeLeaf(GtsSerial, issuer.SubjectName, new DateTimeOffset(2022, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var validator = new OcspResponseValidator(leaf, issuer, new FakeTimeProvider(s_insideGtsWindow));

        OcspValidationResult result = validator.Validate(OcspVectors.Bytes("gts-good-response.der"));

        Assert.Equal(OcspRejectReason.Unverifiable, result.RejectReason);
    }

    [Fact]
    public void Gts_response_rolled_back_behind_held_staple_is_rejected_and_equal_is_same()
    {
        using X509Certificate2 issuer = OcspVectors.Certificate("gts-issuer.pem");
        using X509Certificate2 leaf = OcspVectors.FakeLeaf(GtsSerial, issuer.SubjectName, new DateTimeOffset(2022, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var validator = new OcspResponseValidator(leaf, issuer, new FakeTimeProvider(s_insideGtsWindow));
        byte[] response = OcspVectors.Bytes("gts-good-response.der");
        var thisUpdate = new DateTimeOffset(2021, 11, 7, 14, 25, 51, TimeSpan.Zero);

        OcspValidationResult older = validator.Validate(response, thisUpdate.AddSeconds(1));
        OcspValidationResult same = validator.Validate(response, thisUpdate);
        OcspValidationResult newer = validator.Validate(response, thisUpdate.AddDays(-1));

        Assert.Equal(OcspRejectReason.Rollback, older.RejectReason);
        Assert.Equal(OcspVerdict.Good, same.Verdict);
        Assert.True(same.IsSameAsHeld);
        Assert.Equal(OcspVerdict.Good, newer.Verdict);
        Assert.False(newer.IsSameAsHeld);
    }

    [Fact]
    public void Gts_certid_matches_the_one_in_the_response_only_for_its_serial()
    {
        using X509Certificate2 issuer = OcspVectors.Certificate("gts-issuer.pem");
        OcspBasicResponse basic = ParseBasic("gts-good-response.der");
        OcspSingleResponse single = Assert.Single(basic.Responses);

        OcspCertId ours = OcspCertId.Create(issuer, Convert.FromHexString("00" + GtsSerial)); // positive INTEGER with the high bit set
        OcspCertId other = OcspCertId.Create(issuer, Convert.FromHexString("01"));

        Assert.True(ours.Matches(single.IssuerNameHash.Span, single.IssuerKeyHash.Span, single.SerialNumber.Span));
        Assert.False(other.Matches(single.IssuerNameHash.Span, single.IssuerKeyHash.Span, single.SerialNumber.Span));
    }

    [Fact]
    public void Response_without_certs_parses()
    {
        OcspBasicResponse basic = ParseBasic("response-without-certs.der");

        Assert.Empty(basic.Certificates);
        Assert.Equal("884451FF502A695E2D88F421BAD90CF2CECBEA7C", Convert.ToHexString(basic.ResponderKeyHash!.Value.Span));
        OcspSingleResponse single = Assert.Single(basic.Responses);
        Assert.Equal(OcspCertificateStatus.Good, single.Status);
        Assert.Equal("00F78B13B946FC9635D8AB49DE9D214821", Convert.ToHexString(single.SerialNumber.Span));
    }

    [Fact]
    public void Response_without_certs_and_without_its_issuer_is_unverifiable()
    {
        using X509Certificate2 unrelatedIssuer = OcspVectors.Certificate("gts-issuer.pem");
        using X509Certificate2 leaf = OcspVectors.FakeLeaf("F78B13B946FC9635D8AB49DE9D214821", unrelatedIssuer.SubjectName, new DateTimeOffset(2014, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var validator = new OcspResponseValidator(leaf, unrelatedIssuer, new FakeTimeProvider(new DateTimeOffset(2013, 6, 20, 0, 0, 0, TimeSpan.Zero)));

        OcspValidationResult result = validator.Validate(OcspVectors.Bytes("response-without-certs.der"));

        Assert.Equal(OcspVerdict.Rejected, result.Verdict);
        Assert.Equal(OcspRejectReason.Unverifiable, result.RejectReason);
    }

    [Fact]
    public void Response_with_nonce_extension_parses_as_revoked()
    {
        OcspBasicResponse basic = ParseBasic("response-nonce-extension.der");

        OcspSingleResponse single = Assert.Single(basic.Responses);
        Assert.Equal(OcspCertificateStatus.Revoked, single.Status);
        Assert.Equal(OcspRevocationReason.KeyCompromise, single.RevocationReason);
        Assert.Equal(new DateTimeOffset(2010, 7, 7, 15, 1, 5, TimeSpan.Zero), single.RevocationTime);
        OcspExtension nonce = Assert.Single(single.Extensions);
        Assert.False(nonce.Critical);
        Assert.Equal(OcspVectors.Bytes("delegated-responder-cert.der"), Assert.Single(basic.Certificates).ToArray());
    }

    [Fact]
    public void Response_signed_by_self_signed_responder_is_unauthorized_signer()
    {
        // The vector's CertID is for the request pair, so only the signer can be at fault.
        using X509Certificate2 leaf = OcspVectors.Certificate("request-leaf.der");
        using X509Certificate2 issuer = OcspVectors.Certificate("request-issuer.der");
        var validator = new OcspResponseValidator(leaf, issuer, new FakeTimeProvider(new DateTimeOffset(2010, 7, 7, 16, 0, 0, TimeSpan.Zero)));

        OcspValidationResult result = validator.Validate(OcspVectors.Bytes("response-nonce-extension.der"));

        Assert.Equal(OcspRejectReason.UnauthorizedSigner, result.RejectReason);
        Assert.Equal("CN=OCSP Responder", result.ResponderName);
    }

    [Fact]
    public void Response_with_critical_single_extension_is_rejected()
    {
        using X509Certificate2 leaf = OcspVectors.Certificate("request-leaf.der");
        using X509Certificate2 issuer = OcspVectors.Certificate("request-issuer.der");
        var validator = new OcspResponseValidator(leaf, issuer, new FakeTimeProvider(new DateTimeOffset(2010, 7, 7, 16, 0, 0, TimeSpan.Zero)));

        OcspValidationResult result = validator.Validate(OcspVectors.Bytes("response-critical-extension.der"));

        Assert.Equal(OcspRejectReason.UnhandledCriticalExtension, result.RejectReason);
    }

    [Fact]
    public void Malformed_request_status_is_rejected()
    {
        using X509Certificate2 leaf = OcspVectors.Certificate("request-leaf.der");
        using X509Certificate2 issuer = OcspVectors.Certificate("request-issuer.der");
        var validator = new OcspResponseValidator(leaf, issuer);

        OcspValidationResult result = validator.Validate(OcspVectors.Bytes("error-malformed-request.der"));

        Assert.Equal(OcspVerdict.Rejected, result.Verdict);
        Assert.Equal(OcspRejectReason.MalformedRequest, result.RejectReason);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x30, 0x03, 0x0A, 0x01 })]
    [InlineData(new byte[] { 0x30, 0x03, 0x0A, 0x01, 0x00 })]
    [InlineData(new byte[] { 0x04, 0x00 })]
    public void Garbage_is_malformed(byte[] bytes)
    {
        using X509Certificate2 leaf = OcspVectors.Certificate("request-leaf.der");
        using X509Certificate2 issuer = OcspVectors.Certificate("request-issuer.der");

        OcspValidationResult result = new OcspResponseValidator(leaf, issuer).Validate(bytes);

        Assert.Equal(OcspRejectReason.Malformed, result.RejectReason);
    }

    [Fact]
    public void Truncated_real_response_is_malformed()
    {
        using X509Certificate2 issuer = OcspVectors.Certificate("gts-issuer.pem");
        using X509Certificate2 leaf = OcspVectors.FakeLeaf(GtsSerial, issuer.SubjectName, new DateTimeOffset(2022, 6, 1, 0, 0, 0, TimeSpan.Zero));
        byte[] response = OcspVectors.Bytes("gts-good-response.der");
        var validator = new OcspResponseValidator(leaf, issuer, new FakeTimeProvider(s_insideGtsWindow));

        for (int length = 0; length < response.Length; length += 7)
        {
            Assert.Equal(OcspRejectReason.Malformed, validator.Validate(response.AsMemory(0, length)).RejectReason);
        }
    }

    [Fact]
    public void Startcom_intermediate_parses_and_has_an_ocsp_url()
    {
        using X509Certificate2 certificate = OcspVectors.Certificate("startcom-intermediate.der");

        Assert.Contains("StartCom Class 1 Primary Intermediate Server CA", certificate.Subject, StringComparison.Ordinal);
        Assert.Equal(new Uri("http://ocsp.startssl.com/ca"), Assert.Single(OcspCertificateInfo.GetOcspResponderUris(certificate)));
        Assert.False(OcspCertificateInfo.IsMustStaple(certificate));
    }

    [Fact]
    public void Aia_ocsp_urls_are_read_from_real_certificates()
    {
        using X509Certificate2 gts = OcspVectors.Certificate("gts-issuer.pem");
        using X509Certificate2 leaf = OcspVectors.Certificate("request-leaf.der");

        Assert.Equal(new Uri("http://ocsp.pki.goog/gtsr1"), Assert.Single(OcspCertificateInfo.GetOcspResponderUris(gts)));
        Assert.Equal(new Uri("http://ocsp.verisign.com"), Assert.Single(OcspCertificateInfo.GetOcspResponderUris(leaf)));
    }

    private static OcspBasicResponse ParseBasic(string name)
    {
        int status = OcspResponseParser.ReadEnvelope(OcspVectors.Bytes(name), out string? type, out ReadOnlyMemory<byte> bytes);
        Assert.Equal(0, status);
        Assert.Equal("1.3.6.1.5.5.7.48.1.1", type);
        return OcspResponseParser.ParseBasic(bytes);
    }

    private static X509Certificate2 SameKeyOtherName(X509Certificate2 issuer, string subject)
    {
        using var signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(subject), issuer.PublicKey, HashAlgorithmName.SHA256);
        return request.Create(new X500DistinguishedName("CN=Throwaway"), X509SignatureGenerator.CreateForECDsa(signer),
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1]);
    }
}
