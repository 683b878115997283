using Org.BouncyCastle.Ocsp;
using OcspResponseStatus = RawTls.Ocsp.OcspResponseStatus;

namespace RawTls.DevPki;

/// <summary>The OCSP side: status per CertID from the authority, signed by the CA that issued it.</summary>
public sealed partial class OcspResponder
{
    private byte[] CreateResponse(OcspReq request)
    {
        Req[] list = request.GetRequestList();
        bool byIntermediate, byRoot;
        try
        {
            byIntermediate = list.All(r => r.GetCertID().MatchesIssuer(_intermediate));
            byRoot = !byIntermediate && list.All(r => r.GetCertID().MatchesIssuer(_root));
        }
        catch (Exception ex) when (ex is OcspException or Org.BouncyCastle.Security.SecurityUtilityException)
        {
            return OcspResponseBuilder.BuildError(OcspResponseStatus.MalformedRequest); // a CertID hash we cannot compute
        }

        if (!byIntermediate && !byRoot)
        {
            return OcspResponseBuilder.BuildError(OcspResponseStatus.Unauthorized);
        }

        try
        {
            _authority.ReloadStateIfChanged();
        }
        catch (Exception ex) when (ex is DevPkiException or IOException or UnauthorizedAccessException)
        {
            return OcspResponseBuilder.BuildError(OcspResponseStatus.InternalError);
        }

        DateTimeOffset now = _options.TimeProvider.GetUtcNow();
        var builder = new OcspResponseBuilder(_options.TimeProvider)
            .ThisUpdate(now - _options.Backdate)
            .NextUpdate(now + _options.Validity)
            .ProducedAt(now)
            .SignedBy(byIntermediate ? _intermediateKey : _rootKey, byIntermediate ? _intermediate : _root)
            .EchoNonceFrom(request);
        foreach (Req r in list)
        {
            CertificateID id = r.GetCertID();
            string serial = OcspRequestDecoder.SerialHex(id);
            RevocationStatus status = byIntermediate
                ? (serial.StartsWith('-') ? RevocationStatus.Unknown : _authority.GetStatus(serial))
                : (serial == _intermediateSerial ? RevocationStatus.Good : RevocationStatus.Unknown);
            builder.ForCertId(id).WithStatus(status);
        }

        return builder.Build();
    }
}
