using RawTls.Certificates;

namespace RawTls.Server;

/// <summary>A snapshot of a server for operators: connection counters and each certificate's state.</summary>
public sealed record ServerStatus
{
    /// <summary>Connections open now.</summary>
    public required long ActiveConnections { get; init; }

    /// <summary>Connections accepted since start.</summary>
    public required long AcceptedConnections { get; init; }

    /// <summary>Connections refused by a limit since start.</summary>
    public required long RejectedConnections { get; init; }

    /// <summary>Handshakes completed since start.</summary>
    public required long HandshakesCompleted { get; init; }

    /// <summary>Handshakes failed since start.</summary>
    public required long HandshakesFailed { get; init; }

    /// <summary>Each served certificate.</summary>
    public required IReadOnlyList<CertificateStatus> Certificates { get; init; }
}
