using System.Security.Authentication;

namespace RawTls.Ocsp;

/// <summary>What a <see cref="StapleProbe"/> handshake saw.</summary>
internal sealed class StapleProbeResult
{
    /// <summary>The negotiated version (<see cref="SslProtocols.Tls12"/> or <see cref="SslProtocols.Tls13"/>).</summary>
    public required SslProtocols NegotiatedProtocol { get; init; }

    /// <summary>The negotiated cipher suite as its IANA number (e.g. 0x1301 for TLS_AES_128_GCM_SHA256).</summary>
    public required int CipherSuite { get; init; }

    /// <summary>The ALPN protocol the server selected, or <see langword="null"/>.</summary>
    public string? ApplicationProtocol { get; init; }

    /// <summary>The server's certificates as DER, leaf first, exactly as sent (not validated).</summary>
    public required IReadOnlyList<byte[]> ServerCertificateChain { get; init; }

    /// <summary>
    /// The stapled DER OCSPResponse exactly as received (TLS 1.2: CertificateStatus message; TLS 1.3:
    /// <c>status_request</c> extension of the first CertificateEntry), or <see langword="null"/> when none was stapled.
    /// </summary>
#pragma warning disable CA1819 // The staple is opaque bytes handed on to a validator; a copy-on-read wrapper buys nothing.
    public byte[]? OcspResponse { get; init; }
#pragma warning restore CA1819

    /// <summary>
    /// Whether a second connection offered this session (<see cref="StapleProbeOptions.CheckResumption"/> asked for it
    /// and the handshake left a resumable session: TLS 1.2 only).
    /// </summary>
    public bool ResumptionChecked { get; init; }

    /// <summary>Whether that second connection was resumed; <see langword="false"/> when none was made.</summary>
    public bool ResumedSession { get; init; }
}
