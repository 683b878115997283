using System.Net;
using System.Security.Authentication;
using System.Text;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace RawTls.Ocsp.Internal;

/// <summary>
/// BouncyCastle client settings for one probe handshake: versions, SNI, ALPN and <c>status_request</c> per the options,
/// BouncyCastle's default suites (TLS 1.3 AES-GCM/ChaCha20, ECDHE-ECDSA/RSA with AES-GCM for TLS 1.2, ...).
/// </summary>
internal sealed class ProbeTlsClient : DefaultTlsClient
{
    private readonly StapleProbeOptions _options;
    private readonly TlsSession? _sessionToResume;
    private readonly ProbeAuthentication _authentication = new();

    public ProbeTlsClient(StapleProbeOptions options, TlsSession? sessionToResume)
        : base(new BcTlsCrypto(new SecureRandom()))
    {
        _options = options;
        _sessionToResume = sessionToResume;
    }

    public bool HandshakeCompleted { get; private set; }

    /// <summary>The last alert either side raised or received, to explain a failed handshake.</summary>
    public string? LastAlert { get; private set; }

    public TlsServerCertificate? ServerCertificate => _authentication.ServerCertificate;

    public SecurityParameters SecurityParameters => m_context.SecurityParameters;

    /// <summary>The session to offer on a later connection, once the handshake completed.</summary>
    public TlsSession? ResumableSession => m_context.ResumableSession;

    public override TlsAuthentication GetAuthentication() => _authentication;

    public override TlsSession GetSessionToResume() => _sessionToResume!;

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        HandshakeCompleted = true;
    }

    public override void NotifyAlertRaised(short alertLevel, short alertDescription, string message, Exception cause)
    {
        LastAlert = $"sent {AlertDescription.GetText(alertDescription)}{(message is null ? "" : ": " + message)}";
    }

    public override void NotifyAlertReceived(short alertLevel, short alertDescription)
    {
        LastAlert = $"received {AlertDescription.GetText(alertDescription)}";
    }

    protected override ProtocolVersion[] GetSupportedVersions()
    {
        var versions = new List<ProtocolVersion>(2);
        if ((_options.Protocols & SslProtocols.Tls13) != 0)
        {
            versions.Add(ProtocolVersion.TLSv13);
        }

        if ((_options.Protocols & SslProtocols.Tls12) != 0)
        {
            versions.Add(ProtocolVersion.TLSv12);
        }

        return versions.ToArray();
    }

    protected override CertificateStatusRequest GetCertificateStatusRequest() =>
        _options.RequestStatus
            ? new CertificateStatusRequest(CertificateStatusType.ocsp, new OcspStatusRequest(null, null))
            : null!;

    // status_request_v2 (RFC 6961) is obsolete and would only muddle which message carried the staple.
    protected override IList<CertificateStatusRequestItemV2> GetMultiCertStatusRequest() => null!;

    protected override IList<ServerName> GetSniServerNames()
    {
        var name = _options.ServerName;
        if (string.IsNullOrEmpty(name) || IPAddress.TryParse(name, out _))
        {
            return null!;
        }

        return [new ServerName(NameType.host_name, Encoding.ASCII.GetBytes(name.TrimEnd('.')))];
    }

    protected override IList<ProtocolName> GetProtocolNames()
    {
        if (_options.ApplicationProtocols.Count == 0)
        {
            return null!;
        }

        return _options.ApplicationProtocols.Select(ProtocolName.AsUtf8Encoding).ToList();
    }
}
