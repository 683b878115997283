using RawTls.Cli.Protocols;
using RawTls.Server;

namespace RawTls.Cli.Commands;

/// <summary>The HTTP/1.1 responder for <c>serve</c>, with its readiness probe and the connection's client address.</summary>
internal sealed class ServeHttpHandler(Http11ResponderOptions options)
{
    public ValueTask HandleAsync(TlsConnection connection) =>
        new(Http11Responder.RunAsync(connection.Transport, options, connection.ServerStopping, connection.RemoteEndPoint));
}
