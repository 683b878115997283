namespace RawTls.Diagnostics;

/// <summary>Why a handshake failed; the metric tag is the lower-case name.</summary>
internal enum HandshakeFailureReason
{
    /// <summary>Not finished within the handshake timeout.</summary>
    Timeout,

    /// <summary>The client closed the connection before finishing.</summary>
    ClientClosed,

    /// <summary>The client reset the connection.</summary>
    Reset,

    /// <summary>The bytes were not a TLS handshake we accept (garbage, plain HTTP, no common version or cipher).</summary>
    Protocol,

    /// <summary>No certificate could be served for the requested name (unknown name refused, Require mode without staple, revoked and stopped).</summary>
    NoCertificate,

    /// <summary>The server was stopping.</summary>
    ServerStopping,

    /// <summary>Anything else.</summary>
    Other,
}
