using System.Formats.Asn1;

namespace RawTls.Ocsp;

/// <summary>
/// Parses OCSPResponse / BasicOCSPResponse DER (RFC 6960 §4.2.1) without copying: byte fields slice the input.
/// Throws <see cref="AsnContentException"/> on malformed input; callers translate that into a rejection.
/// </summary>
internal static class OcspResponseParser
{
    private static readonly Asn1Tag s_context0 = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag s_context1 = new(TagClass.ContextSpecific, 1, isConstructed: true);
    private static readonly Asn1Tag s_context2 = new(TagClass.ContextSpecific, 2, isConstructed: true);
    private static readonly Asn1Tag s_goodTag = new(TagClass.ContextSpecific, 0);
    private static readonly Asn1Tag s_revokedTag = new(TagClass.ContextSpecific, 1, isConstructed: true);
    private static readonly Asn1Tag s_unknownTag = new(TagClass.ContextSpecific, 2);

    /// <summary>Reads the outer OCSPResponse: returns the raw responseStatus and, when present, the response type and bytes.</summary>
    public static int ReadEnvelope(ReadOnlyMemory<byte> der, out string? responseType, out ReadOnlyMemory<byte> responseBytes)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        AsnReader response = outer.ReadSequence();
        outer.ThrowIfNotEmpty();

        ReadOnlyMemory<byte> statusBytes = response.ReadEnumeratedBytes();
        int status = statusBytes.Length == 1 ? statusBytes.Span[0] : -1;

        responseType = null;
        responseBytes = default;
        if (response.HasData)
        {
            AsnReader explicitBytes = response.ReadSequence(s_context0);
            AsnReader bytes = explicitBytes.ReadSequence();
            explicitBytes.ThrowIfNotEmpty();
            responseType = bytes.ReadObjectIdentifier();
            responseBytes = ReadOctetString(bytes);
            bytes.ThrowIfNotEmpty();
        }

        response.ThrowIfNotEmpty();
        return status;
    }

    /// <summary>Parses a BasicOCSPResponse.</summary>
    public static OcspBasicResponse ParseBasic(ReadOnlyMemory<byte> der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        AsnReader basic = outer.ReadSequence();
        outer.ThrowIfNotEmpty();

        ReadOnlyMemory<byte> tbs = basic.ReadEncodedValue();
        ReadOnlyMemory<byte> signatureAlgorithm = basic.ReadEncodedValue();
        if (!basic.TryReadPrimitiveBitString(out int unusedBits, out ReadOnlyMemory<byte> signature) || unusedBits != 0)
        {
            throw new AsnContentException("The signature BIT STRING is not octet aligned.");
        }

        var certificates = new List<ReadOnlyMemory<byte>>();
        if (basic.HasData)
        {
            AsnReader explicitCerts = basic.ReadSequence(s_context0);
            AsnReader certs = explicitCerts.ReadSequence();
            explicitCerts.ThrowIfNotEmpty();
            while (certs.HasData)
            {
                certificates.Add(certs.ReadEncodedValue());
            }
        }

        basic.ThrowIfNotEmpty();

        var tbsReader = new AsnReader(tbs, AsnEncodingRules.DER);
        AsnReader data = tbsReader.ReadSequence();
        if (data.PeekTag().HasSameClassAndValue(s_context0))
        {
            AsnReader version = data.ReadSequence(s_context0);
            if (!version.TryReadInt32(out int v) || v != 0)
            {
                throw new AsnContentException("Unsupported ResponseData version.");
            }

            version.ThrowIfNotEmpty();
        }

        ReadOnlyMemory<byte>? responderName = null;
        ReadOnlyMemory<byte>? responderKeyHash = null;
        Asn1Tag responderTag = data.PeekTag();
        if (responderTag.HasSameClassAndValue(s_context1))
        {
            AsnReader byName = data.ReadSequence(s_context1);
            responderName = byName.ReadEncodedValue();
            byName.ThrowIfNotEmpty();
        }
        else if (responderTag.HasSameClassAndValue(s_context2))
        {
            AsnReader byKey = data.ReadSequence(s_context2);
            responderKeyHash = ReadOctetString(byKey);
            byKey.ThrowIfNotEmpty();
        }
        else
        {
            throw new AsnContentException("Unknown ResponderID choice.");
        }

        DateTimeOffset producedAt = data.ReadGeneralizedTime();

        var responses = new List<OcspSingleResponse>();
        AsnReader responseSeq = data.ReadSequence();
        while (responseSeq.HasData)
        {
            responses.Add(ParseSingle(responseSeq.ReadSequence()));
        }

        IReadOnlyList<OcspExtension> extensions = [];
        if (data.HasData)
        {
            AsnReader explicitExtensions = data.ReadSequence(s_context1);
            extensions = ReadExtensions(explicitExtensions.ReadSequence());
            explicitExtensions.ThrowIfNotEmpty();
        }

        data.ThrowIfNotEmpty();
        tbsReader.ThrowIfNotEmpty();

        return new OcspBasicResponse
        {
            TbsResponseData = tbs,
            ResponderName = responderName,
            ResponderKeyHash = responderKeyHash,
            ProducedAt = producedAt,
            Responses = responses,
            Extensions = extensions,
            SignatureAlgorithm = signatureAlgorithm,
            Signature = signature.ToArray(),
            Certificates = certificates,
        };
    }

    private static OcspSingleResponse ParseSingle(AsnReader single)
    {
        AsnReader certId = single.ReadSequence();
        AsnReader algorithm = certId.ReadSequence();
        string hashOid = algorithm.ReadObjectIdentifier();
        // Parameters are NULL or absent for the SHA family; either way they carry nothing we need.
        ReadOnlyMemory<byte> nameHash = ReadOctetString(certId);
        ReadOnlyMemory<byte> keyHash = ReadOctetString(certId);
        ReadOnlyMemory<byte> serial = certId.ReadIntegerBytes();
        certId.ThrowIfNotEmpty();

        OcspCertificateStatus status;
        DateTimeOffset? revocationTime = null;
        OcspRevocationReason? reason = null;
        Asn1Tag statusTag = single.PeekTag();
        if (statusTag == s_goodTag)
        {
            single.ReadNull(s_goodTag);
            status = OcspCertificateStatus.Good;
        }
        else if (statusTag == s_revokedTag)
        {
            AsnReader revoked = single.ReadSequence(s_revokedTag);
            revocationTime = revoked.ReadGeneralizedTime();
            if (revoked.HasData)
            {
                AsnReader explicitReason = revoked.ReadSequence(s_context0);
                ReadOnlyMemory<byte> reasonBytes = explicitReason.ReadEnumeratedBytes();
                explicitReason.ThrowIfNotEmpty();
                reason = reasonBytes.Length == 1 ? (OcspRevocationReason)reasonBytes.Span[0] : OcspRevocationReason.Unspecified;
            }

            revoked.ThrowIfNotEmpty();
            status = OcspCertificateStatus.Revoked;
        }
        else if (statusTag == s_unknownTag)
        {
            single.ReadNull(s_unknownTag);
            status = OcspCertificateStatus.Unknown;
        }
        else
        {
            throw new AsnContentException("Unknown CertStatus choice.");
        }

        DateTimeOffset thisUpdate = single.ReadGeneralizedTime();
        DateTimeOffset? nextUpdate = null;
        if (single.HasData && single.PeekTag().HasSameClassAndValue(s_context0))
        {
            AsnReader explicitNext = single.ReadSequence(s_context0);
            nextUpdate = explicitNext.ReadGeneralizedTime();
            explicitNext.ThrowIfNotEmpty();
        }

        IReadOnlyList<OcspExtension> extensions = [];
        if (single.HasData)
        {
            AsnReader explicitExtensions = single.ReadSequence(s_context1);
            extensions = ReadExtensions(explicitExtensions.ReadSequence());
            explicitExtensions.ThrowIfNotEmpty();
        }

        single.ThrowIfNotEmpty();

        return new OcspSingleResponse
        {
            HashAlgorithmOid = hashOid,
            IssuerNameHash = nameHash,
            IssuerKeyHash = keyHash,
            SerialNumber = serial,
            Status = status,
            RevocationTime = revocationTime,
            RevocationReason = reason,
            ThisUpdate = thisUpdate,
            NextUpdate = nextUpdate,
            Extensions = extensions,
        };
    }

    private static List<OcspExtension> ReadExtensions(AsnReader extensions)
    {
        var result = new List<OcspExtension>();
        while (extensions.HasData)
        {
            AsnReader extension = extensions.ReadSequence();
            string oid = extension.ReadObjectIdentifier();
            bool critical = extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && extension.ReadBoolean();
            _ = ReadOctetString(extension);
            extension.ThrowIfNotEmpty();
            result.Add(new OcspExtension(oid, critical));
        }

        return result;
    }

    private static ReadOnlyMemory<byte> ReadOctetString(AsnReader reader) =>
        reader.TryReadPrimitiveOctetString(out ReadOnlyMemory<byte> value)
            ? value
            : throw new AsnContentException("Constructed OCTET STRING is not valid DER.");
}
