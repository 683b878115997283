using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using RawTls.Ocsp;

namespace RawTls.Tests.Ocsp;

public class OcspResponseStatusTests
{
    [Theory]
    [InlineData(1, OcspRejectReason.MalformedRequest)]
    [InlineData(2, OcspRejectReason.InternalError)]
    [InlineData(3, OcspRejectReason.TryLater)]
    [InlineData(4, OcspRejectReason.UnknownResponseStatus)]
    [InlineData(5, OcspRejectReason.SigRequired)]
    [InlineData(6, OcspRejectReason.Unauthorized)]
    [InlineData(7, OcspRejectReason.UnknownResponseStatus)]
    public void Error_statuses_have_their_own_reasons(byte status, object expected) // object: the enum is internal
    {
        OcspValidationResult result = Validate([0x30, 0x03, 0x0A, 0x01, status]);

        Assert.Equal(OcspVerdict.Rejected, result.Verdict);
        Assert.Equal((OcspRejectReason)expected, result.RejectReason);
        Assert.False(result.IsAccepted);
    }

    [Fact]
    public void Successful_without_body_is_malformed()
    {
        Assert.Equal(OcspRejectReason.Malformed, Validate([0x30, 0x03, 0x0A, 0x01, 0x00]).RejectReason);
    }

    [Fact]
    public void Non_basic_response_type_is_unsupported()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEnumeratedValue(OcspResponseStatus.Successful);
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.3.6.1.5.5.7.48.1.99");
                writer.WriteOctetString([0x05, 0x00]);
            }
        }

        Assert.Equal(OcspRejectReason.UnsupportedResponseType, Validate(writer.Encode()).RejectReason);
    }

    [Fact]
    public void Trailing_bytes_after_the_response_are_malformed()
    {
        byte[] response = [.. OcspVectors.Bytes("gts-good-response.der"), 0x00];

        Assert.Equal(OcspRejectReason.Malformed, Validate(response).RejectReason);
    }

    private static OcspValidationResult Validate(byte[] response)
    {
        using X509Certificate2 leaf = OcspVectors.Certificate("request-leaf.der");
        using X509Certificate2 issuer = OcspVectors.Certificate("request-issuer.der");
        return new OcspResponseValidator(leaf, issuer).Validate(response);
    }
}
