using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.Oiw;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Ocsp;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;
using OcspRevocationReason = RawTls.Ocsp.OcspRevocationReason;
using X509Extension = Org.BouncyCastle.Asn1.X509.X509Extension;
using BcOcspResponseStatus = Org.BouncyCastle.Asn1.Ocsp.OcspResponseStatus;
using OcspCertificateStatus = RawTls.Ocsp.OcspCertificateStatus;
using OcspResponseStatus = RawTls.Ocsp.OcspResponseStatus;

namespace RawTls.DevPki;

/// <summary>
/// Builds DER OCSP responses with full control over every field, for the responder and for fault tests.
/// Add one or more CertIDs (<c>For…</c>), set each one's status (applies to the last added), then sign and <see cref="Build"/>.
/// </summary>
/// <example><code>
/// byte[] der = new OcspResponseBuilder().ForCertificate(ca.Leaf, ca.Intermediate).Revoked(t).SignedByIssuer(ca.Intermediate).Build();
/// </code></example>
public sealed class OcspResponseBuilder
{
    private readonly List<(CertificateID Id, RevocationStatus Status)> _entries = [];
    private readonly TimeProvider _time;
    private DateTimeOffset? _thisUpdate;
    private DateTimeOffset? _nextUpdate;
    private bool _omitNextUpdate;
    private DateTimeOffset? _producedAt;
    private AsymmetricKeyParameter? _signingKey;
    private BcCertificate? _responderCert;
    private AsymmetricKeyParameter? _responderPublicKey;
    private bool _responderIdByName;
    private List<BcCertificate>? _certs;
    private X509Extension? _nonce;

    /// <summary>Creates a builder; <paramref name="timeProvider"/> supplies default times.</summary>
    public OcspResponseBuilder(TimeProvider? timeProvider = null) => _time = timeProvider ?? TimeProvider.System;

    /// <summary>Adds a CertID for <paramref name="certificate"/> issued by <paramref name="issuer"/> (status good until changed).</summary>
    public OcspResponseBuilder ForCertificate(X509Certificate2 certificate, X509Certificate2 issuer, OcspHashAlgorithm hash = OcspHashAlgorithm.Sha1)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return ForSerial(certificate.SerialNumber, issuer, hash);
    }

    /// <summary>Adds a CertID for an arbitrary serial number (hex) under <paramref name="issuer"/>.</summary>
    public OcspResponseBuilder ForSerial(string serialHex, X509Certificate2 issuer, OcspHashAlgorithm hash = OcspHashAlgorithm.Sha1)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        var serial = new BigInteger(DevCertificateAuthority.NormalizeSerial(serialHex), 16);
        var alg = hash == OcspHashAlgorithm.Sha256
            ? new AlgorithmIdentifier(NistObjectIdentifiers.IdSha256, DerNull.Instance)
            : new AlgorithmIdentifier(OiwObjectIdentifiers.IdSha1, DerNull.Instance);
        return ForCertId(new CertificateID(alg, BouncyCastleInterop.ToBouncyCastle(issuer), serial));
    }

    /// <summary>Adds a CertID exactly as given (e.g. copied from a request).</summary>
    public OcspResponseBuilder ForCertId(CertificateID certId)
    {
        ArgumentNullException.ThrowIfNull(certId);
        _entries.Add((certId, RevocationStatus.Good));
        return this;
    }

    /// <summary>Sets the status of the last added CertID.</summary>
    public OcspResponseBuilder WithStatus(RevocationStatus status)
    {
        if (_entries.Count == 0)
        {
            throw new InvalidOperationException("add a CertID (ForCertificate/ForSerial/ForCertId) before setting its status");
        }

        _entries[^1] = (_entries[^1].Id, status);
        return this;
    }

    /// <summary>Marks the last added CertID good.</summary>
    public OcspResponseBuilder Good() => WithStatus(RevocationStatus.Good);

    /// <summary>Marks the last added CertID revoked.</summary>
    public OcspResponseBuilder Revoked(DateTimeOffset revokedAt, OcspRevocationReason? reason = null) => WithStatus(RevocationStatus.Revoked(revokedAt, reason));

    /// <summary>Marks the last added CertID unknown.</summary>
    public OcspResponseBuilder Unknown() => WithStatus(RevocationStatus.Unknown);

    /// <summary>thisUpdate for all single responses (default: now).</summary>
    public OcspResponseBuilder ThisUpdate(DateTimeOffset thisUpdate)
    {
        _thisUpdate = thisUpdate;
        return this;
    }

    /// <summary>nextUpdate for all single responses (default: thisUpdate + 1 h); null omits it.</summary>
    public OcspResponseBuilder NextUpdate(DateTimeOffset? nextUpdate)
    {
        _nextUpdate = nextUpdate;
        _omitNextUpdate = nextUpdate is null;
        return this;
    }

    /// <summary>producedAt (default: now).</summary>
    public OcspResponseBuilder ProducedAt(DateTimeOffset producedAt)
    {
        _producedAt = producedAt;
        return this;
    }

    /// <summary>Signs with the issuing CA's own key (responder ID by key hash, no certs included).</summary>
    public OcspResponseBuilder SignedByIssuer(X509Certificate2 issuerWithKey)
    {
        ArgumentNullException.ThrowIfNull(issuerWithKey);
        _signingKey = BouncyCastleInterop.PrivateKeyOf(issuerWithKey);
        _responderCert = BouncyCastleInterop.ToBouncyCastle(issuerWithKey);
        _responderPublicKey = _responderCert.GetPublicKey();
        return this;
    }

    /// <summary>Signs with a delegated responder certificate, which is included in <c>certs</c> unless certs are set explicitly.</summary>
    public OcspResponseBuilder SignedByDelegate(X509Certificate2 responderWithKey)
    {
        SignedByIssuer(responderWithKey);
        _certs ??= [_responderCert!];
        return this;
    }

    /// <summary>Signs with <paramref name="wrongKey"/> while the responder ID names <paramref name="claimedResponder"/>: a bad signature.</summary>
    public OcspResponseBuilder SignedWithKey(AsymmetricAlgorithm wrongKey, X509Certificate2 claimedResponder)
    {
        ArgumentNullException.ThrowIfNull(claimedResponder);
        _signingKey = BouncyCastleInterop.ToBouncyCastle(wrongKey);
        _responderCert = BouncyCastleInterop.ToBouncyCastle(claimedResponder);
        _responderPublicKey = _responderCert.GetPublicKey();
        return this;
    }

    /// <summary>Signs with BouncyCastle key material directly (no per-call key conversion; used by the responder).</summary>
    public OcspResponseBuilder SignedBy(AsymmetricKeyParameter privateKey, BcCertificate responderCertificate)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentNullException.ThrowIfNull(responderCertificate);
        _signingKey = privateKey;
        _responderCert = responderCertificate;
        _responderPublicKey = responderCertificate.GetPublicKey();
        return this;
    }

    /// <summary>Uses a by-name responder ID instead of by-key-hash.</summary>
    public OcspResponseBuilder ResponderIdByName(bool byName = true)
    {
        _responderIdByName = byName;
        return this;
    }

    /// <summary>Sets the <c>certs</c> field exactly (empty to omit it), overriding the signer's default.</summary>
    public OcspResponseBuilder WithCertificates(params X509Certificate2[] certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        _certs = [.. certificates.Select(BouncyCastleInterop.ToBouncyCastle)];
        return this;
    }

    /// <summary>Omits the <c>certs</c> field.</summary>
    public OcspResponseBuilder WithoutCertificates()
    {
        _certs = [];
        return this;
    }

    /// <summary>Adds a nonce extension with value <paramref name="nonce"/> (encoded as an OCTET STRING, RFC 8954).</summary>
    public OcspResponseBuilder WithNonce(byte[]? nonce)
    {
        _nonce = nonce is null ? null : new X509Extension(false, new DerOctetString(new DerOctetString(nonce)));
        return this;
    }

    /// <summary>Echoes the nonce extension of a DER OCSP request verbatim (none if it has none).</summary>
    public OcspResponseBuilder EchoNonceFrom(byte[] requestDer)
    {
        ArgumentNullException.ThrowIfNull(requestDer);
        return EchoNonceFrom(new OcspReq(requestDer));
    }

    /// <summary>Echoes the nonce extension of a parsed OCSP request verbatim (none if it has none).</summary>
    public OcspResponseBuilder EchoNonceFrom(OcspReq request)
    {
        ArgumentNullException.ThrowIfNull(request);
        _nonce = request.RequestExtensions?.GetExtension(OcspObjectIdentifiers.PkixOcspNonce);
        return this;
    }

    /// <summary>Builds the DER-encoded OCSPResponse (status successful, BasicOCSPResponse body).</summary>
    public byte[] Build()
    {
        if (_signingKey is null || _responderPublicKey is null)
        {
            throw new InvalidOperationException("choose a signer (SignedByIssuer/SignedByDelegate/SignedWithKey/SignedBy) before Build");
        }

        if (_entries.Count == 0)
        {
            throw new InvalidOperationException("add at least one CertID before Build");
        }

        DateTimeOffset now = _time.GetUtcNow();
        DateTime thisUpdate = Utc(_thisUpdate ?? now);
        DateTime? nextUpdate = _omitNextUpdate ? null : Utc(_nextUpdate ?? thisUpdate.AddHours(1));
        var gen = _responderIdByName
            ? new BasicOcspRespGenerator(new RespID(_responderCert!.SubjectDN))
            : new BasicOcspRespGenerator(_responderPublicKey);
        foreach (var (id, status) in _entries)
        {
            gen.AddResponse(id, ToBc(status), thisUpdate, nextUpdate, null);
        }

        if (_nonce is not null)
        {
            gen.SetResponseExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, X509Extension>
            {
                [OcspObjectIdentifiers.PkixOcspNonce] = _nonce,
            }));
        }

        var signer = new Asn1SignatureFactory(BouncyCastleInterop.SignatureAlgorithmFor(_signingKey), _signingKey);
        BcCertificate[]? chain = _certs is { Count: > 0 } ? [.. _certs] : null;
        BasicOcspResp basic = gen.Generate(signer, chain, Utc(_producedAt ?? now));
        return new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded();
    }

    /// <summary>A DER OCSPResponse with a non-successful status and no body.</summary>
    internal static byte[] BuildError(OcspResponseStatus status)
    {
        if (status == OcspResponseStatus.Successful)
        {
            throw new ArgumentException("a successful response needs a body; use Build()", nameof(status));
        }

        return new OcspResponse(new BcOcspResponseStatus((int)status), null).GetEncoded(Asn1Encodable.Der);
    }

    private static CertificateStatus? ToBc(RevocationStatus status) => status.Kind switch
    {
        OcspCertificateStatus.Good => CertificateStatus.Good,
        OcspCertificateStatus.Unknown => new UnknownStatus(),
        _ => status.Reason is { } reason
            ? new RevokedStatus(Utc(status.RevokedAt ?? DateTimeOffset.UnixEpoch), (int)reason)
            : new RevokedStatus(Utc(status.RevokedAt ?? DateTimeOffset.UnixEpoch)),
    };

    // GeneralizedTime without fractional seconds: what every OCSP client expects.
    private static DateTime Utc(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    private static DateTime Utc(DateTime t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
}
