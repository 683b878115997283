using RawTls.Server;

namespace RawTls.Cli.Commands.Operations;

/// <summary>The admin endpoint's <c>/status</c> document: the server's snapshot in the CLI's JSON vocabulary.</summary>
internal sealed record StatusDocument(
    DateTimeOffset Time,
    long ActiveConnections,
    long AcceptedConnections,
    long RejectedConnections,
    long HandshakesCompleted,
    long HandshakesFailed,
    IReadOnlyList<CertificateDocument> Certificates)
{
    public static StatusDocument From(ServerStatus status, DateTimeOffset now) => new(
        now,
        status.ActiveConnections,
        status.AcceptedConnections,
        status.RejectedConnections,
        status.HandshakesCompleted,
        status.HandshakesFailed,
        [.. status.Certificates.Select(CertificateDocument.From)]);
}
