using RawTls.Server;

namespace RawTls.Hosting;

/// <summary>A connection handler resolved from DI (see <see cref="RawTlsBuilder.UseHandler{THandler}"/>); a singleton.</summary>
public interface ITlsConnectionHandler
{
    /// <summary>Runs the protocol over one authenticated connection; see <see cref="TlsConnectionHandler"/>.</summary>
    ValueTask OnConnectedAsync(TlsConnection connection);
}
