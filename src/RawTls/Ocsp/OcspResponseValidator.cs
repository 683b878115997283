using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;

namespace RawTls.Ocsp;

/// <summary>
/// Decides whether an OCSP response may be stapled for one leaf certificate. Create one per leaf and issuer
/// (the CertID, issuer key and hashes are computed once) and call <see cref="Validate"/> on every refresh.
/// Thread-safe.
/// </summary>
internal sealed partial class OcspResponseValidator
{
    /// <summary>The default tolerance for a responder clock that runs ahead of ours.</summary>
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromMinutes(5);

    private readonly byte[] _issuerSubject;
    private readonly byte[] _issuerRaw;
    private readonly byte[] _issuerKeyHashSha1;
    private readonly byte[] _serialNumber;
    private readonly AsymmetricKeyParameter _issuerKey;
    private readonly byte[] _issuerPublicKey;
    private readonly OcspCertId?[] _certIds = new OcspCertId?[4];
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a validator for responses about <paramref name="leaf"/>, issued by <paramref name="issuer"/>.</summary>
    /// <param name="leaf">The certificate whose status is validated.</param>
    /// <param name="issuer">The certificate that issued <paramref name="leaf"/>.</param>
    /// <param name="timeProvider">Source of "now"; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="clockSkew">How far thisUpdate may lie in the future; <see cref="DefaultClockSkew"/> when null.</param>
    public OcspResponseValidator(X509Certificate2 leaf, X509Certificate2 issuer, TimeProvider? timeProvider = null, TimeSpan? clockSkew = null)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(issuer);
        if (clockSkew < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(clockSkew), clockSkew, "The clock skew must not be negative.");
        }

        // Keep bytes, not the certificates: callers may dispose them while this validator lives on.
        _issuerRaw = issuer.RawData;
        _issuerSubject = issuer.SubjectName.RawData;
        _issuerPublicKey = issuer.PublicKey.EncodedKeyValue.RawData;
        _issuerKeyHashSha1 = OcspHashAlgorithms.Hash(HashAlgorithmName.SHA1, _issuerPublicKey);
        _issuerKey = OcspSignatureVerifier.ImportPublicKey(issuer);
        _serialNumber = leaf.SerialNumberBytes.ToArray();
        _timeProvider = timeProvider ?? TimeProvider.System;
        ClockSkew = clockSkew ?? DefaultClockSkew;
        LeafNotAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime());
        CertId = GetCertId(HashAlgorithmName.SHA1);
    }

    /// <summary>The leaf's SHA-1 CertID, for building requests.</summary>
    public OcspCertId CertId { get; }

    /// <summary>The leaf's NotAfter; nextUpdate is clamped to it.</summary>
    public DateTimeOffset LeafNotAfter { get; }

    /// <summary>How far thisUpdate may lie in the future.</summary>
    public TimeSpan ClockSkew { get; }

    /// <summary>Validates a DER-encoded OCSPResponse.</summary>
    /// <param name="response">The response bytes; the result refers to them, so they must not be modified afterwards.</param>
    /// <param name="heldThisUpdate">thisUpdate of the staple currently held, if any; an older response is rejected as a rollback.</param>
    public OcspValidationResult Validate(ReadOnlyMemory<byte> response, DateTimeOffset? heldThisUpdate = null)
    {
        DateTimeOffset now = _timeProvider.GetUtcNow();

        int status;
        string? responseType;
        ReadOnlyMemory<byte> responseBytes;
        try
        {
            status = OcspResponseParser.ReadEnvelope(response, out responseType, out responseBytes);
        }
        catch (AsnContentException ex)
        {
            return Reject(OcspRejectReason.Malformed, $"Not an OCSP response: {ex.Message}");
        }

        switch ((OcspResponseStatus)status)
        {
            case OcspResponseStatus.Successful:
                break;
            case OcspResponseStatus.MalformedRequest:
                return Reject(OcspRejectReason.MalformedRequest, "Responder status malformedRequest (1).");
            case OcspResponseStatus.InternalError:
                return Reject(OcspRejectReason.InternalError, "Responder status internalError (2).");
            case OcspResponseStatus.TryLater:
                return Reject(OcspRejectReason.TryLater, "Responder status tryLater (3).");
            case OcspResponseStatus.SigRequired:
                return Reject(OcspRejectReason.SigRequired, "Responder status sigRequired (5).");
            case OcspResponseStatus.Unauthorized:
                return Reject(OcspRejectReason.Unauthorized, "Responder status unauthorized (6).");
            default:
                return Reject(OcspRejectReason.UnknownResponseStatus, $"Undefined responder status {status}.");
        }

        if (responseType is null)
        {
            return Reject(OcspRejectReason.Malformed, "Status successful but no responseBytes.");
        }

        if (responseType != OcspOids.PkixOcspBasic)
        {
            return Reject(OcspRejectReason.UnsupportedResponseType, $"Response type {responseType} is not id-pkix-ocsp-basic.");
        }

        OcspBasicResponse basic;
        try
        {
            basic = OcspResponseParser.ParseBasic(responseBytes);
        }
        catch (AsnContentException ex)
        {
            return Reject(OcspRejectReason.Malformed, $"Malformed BasicOCSPResponse: {ex.Message}");
        }

        string? responderName = basic.ResponderName is { } nameDer ? DescribeName(nameDer) : null;
        string? responderKeyHash = basic.ResponderKeyHash is { } keyHash ? Convert.ToHexString(keyHash.Span) : null;

        OcspValidationResult Fail(OcspRejectReason reason, string message, OcspSingleResponse? single = null) =>
            new(OcspVerdict.Rejected, reason, message, response)
            {
                ProducedAt = basic.ProducedAt,
                ResponderName = responderName,
                ResponderKeyHash = responderKeyHash,
                ThisUpdate = single?.ThisUpdate,
                NextUpdate = single?.NextUpdate,
                RevocationTime = single?.RevocationTime,
                RevocationReason = single?.RevocationReason,
            };

        // Critical extensions first: they change the meaning of everything else in the response.
        // The nonce is recognised only where RFC 6960 puts it (responseExtensions); we send none, so there is nothing to match.
        foreach (OcspExtension extension in basic.Extensions)
        {
            if (extension.Critical && extension.Oid != OcspOids.PkixOcspNonce)
            {
                return Fail(OcspRejectReason.UnhandledCriticalExtension, $"Unhandled critical response extension {extension.Oid}.");
            }
        }

        foreach (OcspSingleResponse single in basic.Responses)
        {
            foreach (OcspExtension extension in single.Extensions)
            {
                if (extension.Critical)
                {
                    return Fail(OcspRejectReason.UnhandledCriticalExtension, $"Unhandled critical single-response extension {extension.Oid}.");
                }
            }
        }

        // Authenticate before looking at the content, so nothing unauthenticated is ever reported as a status.
        (OcspRejectReason signerReason, string signerMessage) = CheckSigner(basic, now);
        if (signerReason != OcspRejectReason.None)
        {
            return Fail(signerReason, signerMessage);
        }

        OcspSingleResponse? ours = null;
        int matches = 0;
        foreach (OcspSingleResponse single in basic.Responses)
        {
            // Serial first: it is the cheap, discriminating field.
            if (!single.SerialNumber.Span.SequenceEqual(_serialNumber)
                || !OcspHashAlgorithms.TryGetName(single.HashAlgorithmOid, out HashAlgorithmName hashAlgorithm))
            {
                continue;
            }

            if (GetCertId(hashAlgorithm).Matches(single.IssuerNameHash.Span, single.IssuerKeyHash.Span, single.SerialNumber.Span))
            {
                ours ??= single;
                matches++;
            }
        }

        if (ours is null)
        {
            return Fail(OcspRejectReason.CertIdMismatch, $"None of the {basic.Responses.Count} single response(s) is for {CertId}.");
        }

        if (matches > 1)
        {
            return Fail(OcspRejectReason.AmbiguousResponse, $"{matches} single responses are for our CertID.");
        }

        if (ours.ThisUpdate > now + ClockSkew)
        {
            return Fail(OcspRejectReason.NotYetValid, $"thisUpdate {ours.ThisUpdate:O} is after now {now:O} plus skew {ClockSkew}.", ours);
        }

        if (ours.NextUpdate is not { } nextUpdate)
        {
            return Fail(OcspRejectReason.MissingNextUpdate, "The response has no nextUpdate.", ours);
        }

        if (nextUpdate <= now)
        {
            return Fail(OcspRejectReason.Expired, $"nextUpdate {nextUpdate:O} is not after now {now:O}.", ours);
        }

        if (heldThisUpdate is { } held && ours.ThisUpdate < held)
        {
            return Fail(OcspRejectReason.Rollback, $"thisUpdate {ours.ThisUpdate:O} is older than the held staple's {held:O}.", ours);
        }

        bool clamped = nextUpdate > LeafNotAfter;
        OcspVerdict verdict = ours.Status switch
        {
            OcspCertificateStatus.Good => OcspVerdict.Good,
            OcspCertificateStatus.Revoked => OcspVerdict.Revoked,
            _ => OcspVerdict.Unknown,
        };

        return new OcspValidationResult(verdict, OcspRejectReason.None, verdict switch
        {
            OcspVerdict.Revoked => $"Revoked at {ours.RevocationTime:O} ({ours.RevocationReason?.ToString() ?? "no reason"}).",
            OcspVerdict.Unknown => "The responder does not know this certificate.",
            _ => "Good.",
        }, response)
        {
            ProducedAt = basic.ProducedAt,
            ResponderName = responderName,
            ResponderKeyHash = responderKeyHash,
            ThisUpdate = ours.ThisUpdate,
            NextUpdate = clamped ? LeafNotAfter : nextUpdate,
            IsNextUpdateClamped = clamped,
            RevocationTime = ours.RevocationTime,
            RevocationReason = ours.RevocationReason,
            IsSameAsHeld = heldThisUpdate == ours.ThisUpdate,
        };

        OcspValidationResult Reject(OcspRejectReason reason, string message) =>
            new(OcspVerdict.Rejected, reason, message, response);
    }

    /// <summary>Returns the CertID for another hash algorithm, computing it once.</summary>
    internal OcspCertId GetCertId(HashAlgorithmName hashAlgorithm)
    {
        int index = hashAlgorithm.Name switch
        {
            "SHA1" => 0,
            "SHA256" => 1,
            "SHA384" => 2,
            _ => 3,
        };

        // A race computes the same value twice; harmless.
        return _certIds[index] ??= OcspCertId.Create(_issuerSubject, _issuerPublicKey, _serialNumber, hashAlgorithm);
    }

    private static string DescribeName(ReadOnlyMemory<byte> nameDer)
    {
        try
        {
            return new X500DistinguishedName(nameDer.Span).Name;
        }
        catch (CryptographicException)
        {
            return Convert.ToHexString(nameDer.Span);
        }
    }
}
