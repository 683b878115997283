using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using RawTls.Ocsp;

namespace RawTls.Tests.Ocsp;

/// <summary>Signer paths exercised with the OpenSSL-made responses in Vectors/openssl (see its README).</summary>
public class OcspGeneratedVectorTests
{
    private static readonly DateTimeOffset s_produced = new(2026, 11, 27, 0, 16, 55, TimeSpan.Zero);

    [Theory]
    [InlineData("r-issuer.der", OcspVerdict.Good, OcspRejectReason.None)]
    [InlineData("r-deleg.der", OcspVerdict.Good, OcspRejectReason.None)]
    [InlineData("r-deleg-keyid.der", OcspVerdict.Good, OcspRejectReason.None)]
    [InlineData("r-rsapss.der", OcspVerdict.Good, OcspRejectReason.None)]
    [InlineData("r-revoked.der", OcspVerdict.Revoked, OcspRejectReason.None)]
    [InlineData("r-noeku.der", OcspVerdict.Rejected, OcspRejectReason.UnauthorizedSigner)]
    [InlineData("r-deleg-nocerts.der", OcspVerdict.Rejected, OcspRejectReason.Unverifiable)]
    [InlineData("r-nonext.der", OcspVerdict.Rejected, OcspRejectReason.MissingNextUpdate)]
    public void Verdicts_match(string file, object verdict, object reason) // object: the enums are internal
    {
        OcspValidationResult result = Validator(s_produced.AddHours(1)).Validate(Bytes(file));

        Assert.Equal((OcspRejectReason)reason, result.RejectReason);
        Assert.Equal((OcspVerdict)verdict, result.Verdict);
    }

    [Fact]
    public void Revoked_carries_time_and_reason()
    {
        OcspValidationResult result = Validator(s_produced.AddHours(1)).Validate(Bytes("r-revoked.der"));

        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), result.RevocationTime);
        Assert.Equal(OcspRevocationReason.KeyCompromise, result.RevocationReason);
    }

    [Fact]
    public void Delegated_response_reports_responder_name()
    {
        OcspValidationResult result = Validator(s_produced.AddHours(1)).Validate(Bytes("r-deleg.der"));

        Assert.Equal("CN=resp", result.ResponderName);
        Assert.Null(result.ResponderKeyHash);
    }

    [Fact]
    public void This_update_in_the_future_beyond_skew_is_not_yet_valid()
    {
        Assert.Equal(OcspRejectReason.NotYetValid, Validator(s_produced.AddMinutes(-6)).Validate(Bytes("r-issuer.der")).RejectReason);
        Assert.Equal(OcspVerdict.Good, Validator(s_produced.AddMinutes(-4)).Validate(Bytes("r-issuer.der")).Verdict);
    }

    [Fact]
    public void Expiry_is_exclusive_at_next_update()
    {
        Assert.Equal(OcspRejectReason.Expired, Validator(s_produced.AddDays(1)).Validate(Bytes("r-issuer.der")).RejectReason);
        Assert.Equal(OcspVerdict.Good, Validator(s_produced.AddDays(1).AddSeconds(-1)).Validate(Bytes("r-issuer.der")).Verdict);
    }

    [Fact]
    public void Delegated_responder_outside_its_validity_is_rejected()
    {
        // resp.pem became valid at s_produced; a clock skewed before that is still within thisUpdate's skew.
        OcspValidationResult result = Validator(s_produced.AddMinutes(-2)).Validate(Bytes("r-deleg.der"));

        Assert.Equal(OcspRejectReason.SignerCertificateNotValid, result.RejectReason);
    }

    [Fact]
    public void Issuer_signed_response_is_rejected_for_another_leaf_serial()
    {
        using X509Certificate2 ca = Certificate("ca.pem");
        using X509Certificate2 other = OcspVectors.FakeLeaf("0102030405", ca.SubjectName, s_produced.AddDays(10));
        var validator = new OcspResponseValidator(other, ca, new FakeTimeProvider(s_produced.AddHours(1)));

        Assert.Equal(OcspRejectReason.CertIdMismatch, validator.Validate(Bytes("r-issuer.der")).RejectReason);
    }

    [Fact]
    public void Request_built_for_generated_leaf_matches_openssl_certid()
    {
        using X509Certificate2 ca = Certificate("ca.pem");
        using X509Certificate2 leaf = Certificate("leaf.pem");
        var validator = new OcspResponseValidator(leaf, ca);

        Assert.Equal(OcspCertId.Create(leaf, ca), validator.CertId);
    }

    private static OcspResponseValidator Validator(DateTimeOffset now)
    {
        using X509Certificate2 ca = Certificate("ca.pem");
        using X509Certificate2 leaf = Certificate("leaf.pem");
        return new OcspResponseValidator(leaf, ca, new FakeTimeProvider(now));
    }

    private static byte[] Bytes(string name) => OcspVectors.Bytes(Path.Combine("openssl", name));

    private static X509Certificate2 Certificate(string name) => OcspVectors.Certificate(Path.Combine("openssl", name));
}
