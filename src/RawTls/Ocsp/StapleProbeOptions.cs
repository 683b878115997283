using System.Security.Authentication;

namespace RawTls.Ocsp;

/// <summary>Settings for one <see cref="StapleProbe"/> handshake.</summary>
internal sealed class StapleProbeOptions
{
    /// <summary>Host name sent as SNI; <see langword="null"/> (or an IP literal, which SNI forbids) sends none.</summary>
    public string? ServerName { get; set; }

    /// <summary>Versions offered: <see cref="SslProtocols.Tls12"/>, <see cref="SslProtocols.Tls13"/> or both (the default).</summary>
    public SslProtocols Protocols { get; set; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>Whether the ClientHello carries <c>status_request</c> (OCSP, no responder ids, no extensions).</summary>
    public bool RequestStatus { get; set; } = true;

    /// <summary>ALPN protocol names to offer, most preferred first; empty sends no ALPN extension.</summary>
    public IList<string> ApplicationProtocols { get; } = new List<string>();

    /// <summary>Upper bound for the whole probe: connecting, handshaking and closing (resumption included).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// After the first handshake, open a second connection offering the first session and report in
    /// <see cref="StapleProbeResult.ResumedSession"/> whether the server resumed it. Needs a way to reconnect,
    /// so only the overloads that open their own connections honour it. Only TLS 1.2 session-id resumption
    /// is attempted: the TLS client used here does not keep TLS 1.3 tickets.
    /// </summary>
    public bool CheckResumption { get; set; }
}
