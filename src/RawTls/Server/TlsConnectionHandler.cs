namespace RawTls.Server;

/// <summary>
/// Runs a protocol over one authenticated connection. When the returned task completes the server
/// completes the pipes, sends close_notify and closes the socket.
/// </summary>
/// <param name="connection">The connection; valid until the returned task completes.</param>
public delegate ValueTask TlsConnectionHandler(TlsConnection connection);
