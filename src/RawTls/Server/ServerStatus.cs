using RawTls.Certificates;
using RawTls.Ocsp;

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

/// <summary>The state of one served certificate.</summary>
public sealed record CertificateStatus
{
    /// <summary>The leaf's subject.</summary>
    public required string Subject { get; init; }

    /// <summary>The leaf's serial number (hex).</summary>
    public required string SerialNumber { get; init; }

    /// <summary>The leaf's expiry.</summary>
    public required DateTimeOffset NotAfter { get; init; }

    /// <summary>Version of the published context (increases with every swap).</summary>
    public required long ContextVersion { get; init; }

    /// <summary>Whether handshakes are served with it now.</summary>
    public required bool Serving { get; init; }

    /// <summary>Stapling state, or null when stapling is off.</summary>
    public StapleStatus? Stapling { get; init; }

    /// <summary>What the last reload did, or null before the first.</summary>
    public CertificateReloadStatus? LastReload { get; init; }

    internal static CertificateStatus From(CertificateHolder holder)
    {
        StapledCertificateContext current = holder.Current;
        return new CertificateStatus
        {
            Subject = current.Leaf.Subject,
            SerialNumber = current.Leaf.SerialNumber,
            NotAfter = current.Leaf.NotAfter.ToUniversalTime(),
            ContextVersion = current.Version,
            Serving = holder.IsServing,
            Stapling = holder.StaplingStatus,
            LastReload = holder.LastReload,
        };
    }
}
