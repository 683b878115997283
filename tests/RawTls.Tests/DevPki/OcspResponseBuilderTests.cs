using OcspRevocationReason = RawTls.Ocsp.OcspRevocationReason;
using System.Security.Cryptography;
using Org.BouncyCastle.Ocsp;
using RawTls.DevPki;
using OcspResponseStatus = RawTls.Ocsp.OcspResponseStatus;

namespace RawTls.Tests.DevPki;

public class OcspResponseBuilderTests
{
    [Fact]
    public void Issuer_signed_with_explicit_times_and_no_next_update()
    {
        using var ca = DevCertificateAuthority.Create();
        var t = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        byte[] der = new OcspResponseBuilder()
            .ForCertificate(ca.Leaf, ca.Intermediate, OcspHashAlgorithm.Sha256).Revoked(t.AddDays(-1), OcspRevocationReason.CessationOfOperation)
            .ForSerial("42", ca.Intermediate).Unknown()
            .ThisUpdate(t).NextUpdate(null).ProducedAt(t.AddSeconds(5))
            .SignedByIssuer(ca.Intermediate).WithNonce([9, 9])
            .Build();
        BasicOcspResp basic = OcspTestClient.Basic(der);
        Assert.True(basic.Verify(BouncyCastleInterop.PublicKeyOf(ca.Intermediate)));
        Assert.Empty(basic.GetCerts());
        Assert.Equal(t.UtcDateTime.AddSeconds(5), basic.ProducedAt);
        Assert.Equal(2, basic.Responses.Length);
        Assert.Null(basic.Responses[0].NextUpdate);
        Assert.Equal(t.UtcDateTime, basic.Responses[0].ThisUpdate);
        Assert.True(basic.Responses[0].GetCertID().MatchesIssuer(BouncyCastleInterop.ToBouncyCastle(ca.Intermediate)));
        var revoked = Assert.IsType<RevokedStatus>(basic.Responses[0].GetCertStatus());
        Assert.Equal((int)OcspRevocationReason.CessationOfOperation, revoked.RevocationReason);
        Assert.IsType<UnknownStatus>(basic.Responses[1].GetCertStatus());
        Assert.Equal("42", basic.Responses[1].GetCertID().SerialNumber.ToString(16));
    }

    [Fact]
    public void Delegated_signer_is_included_in_certs()
    {
        using var ca = DevCertificateAuthority.Create();
        using var delegated = ca.IssueOcspResponderCertificate();
        BasicOcspResp basic = OcspTestClient.Basic(new OcspResponseBuilder().ForCertificate(ca.Leaf, ca.Intermediate).SignedByDelegate(delegated).Build());
        Assert.True(basic.Verify(BouncyCastleInterop.PublicKeyOf(delegated)));
        Assert.Equal(delegated.RawData, Assert.Single(basic.GetCerts()).GetEncoded());

        BasicOcspResp bare = OcspTestClient.Basic(new OcspResponseBuilder().ForCertificate(ca.Leaf, ca.Intermediate).SignedByDelegate(delegated).WithoutCertificates().ResponderIdByName().Build());
        Assert.Empty(bare.GetCerts());
        Assert.NotNull(bare.ResponderId.ToAsn1Object().Name);
    }

    [Fact]
    public void Wrong_key_does_not_verify()
    {
        using var ca = DevCertificateAuthority.Create();
        using var wrong = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        BasicOcspResp basic = OcspTestClient.Basic(new OcspResponseBuilder().ForCertificate(ca.Leaf, ca.Intermediate).SignedWithKey(wrong, ca.Intermediate).Build());
        Assert.False(basic.Verify(BouncyCastleInterop.PublicKeyOf(ca.Intermediate)));
    }

    [Theory]
    [InlineData((int)OcspResponseStatus.MalformedRequest)]
    [InlineData((int)OcspResponseStatus.InternalError)]
    [InlineData((int)OcspResponseStatus.TryLater)]
    [InlineData((int)OcspResponseStatus.SigRequired)]
    [InlineData((int)OcspResponseStatus.Unauthorized)]
    public void Error_statuses_have_no_body(int status) // the enum is internal: a public theory takes its value
    {
        var resp = new OcspResp(OcspResponseBuilder.BuildError((OcspResponseStatus)status));
        Assert.Equal(status, resp.Status);
        Assert.Null(resp.GetResponseObject());
    }

    [Fact]
    public void Build_requires_signer_and_cert_id()
    {
        using var ca = DevCertificateAuthority.Create();
        Assert.Throws<InvalidOperationException>(() => new OcspResponseBuilder().Good());
        Assert.Throws<InvalidOperationException>(() => new OcspResponseBuilder().ForCertificate(ca.Leaf, ca.Intermediate).Build());
    }
}
