using System.Net;
using Microsoft.Extensions.Logging;

namespace RawTls.Diagnostics;

/// <summary>Source-generated log messages (no formatting cost when the level is off).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, EndPoint endPoint);

    [LoggerMessage(2, LogLevel.Debug, "Connection {ConnectionId} from {RemoteEndPoint}: handshake failed ({Reason}): {Message}")]
    public static partial void HandshakeFailed(ILogger logger, long connectionId, EndPoint? remoteEndPoint, string reason, string message);

    [LoggerMessage(3, LogLevel.Warning, "Refused {Count} connections at accept ({HandshakeLimit} over the handshake limit, {ConnectionLimit} over the connection limit) in the last {Seconds:0.#} s")]
    public static partial void ConnectionsRejected(ILogger logger, long count, long handshakeLimit, long connectionLimit, double seconds);

    [LoggerMessage(9, LogLevel.Information, "Inline socket completions unavailable ({Problem}): accept and handshakes run on the thread pool")]
    public static partial void InlineCompletionsUnavailable(ILogger logger, string problem);

    [LoggerMessage(4, LogLevel.Error, "Connection {ConnectionId}: the handler failed")]
    public static partial void HandlerFailed(ILogger logger, long connectionId, Exception exception);

    [LoggerMessage(5, LogLevel.Error, "Accept loop on {EndPoint} failed; retrying")]
    public static partial void AcceptFailed(ILogger logger, EndPoint endPoint, Exception exception);

    [LoggerMessage(6, LogLevel.Information, "Stopping: {Count} connections draining for up to {Timeout}")]
    public static partial void Draining(ILogger logger, int count, TimeSpan timeout);

    [LoggerMessage(7, LogLevel.Warning, "Stop deadline reached: aborting {Count} connections")]
    public static partial void AbortingAtDeadline(ILogger logger, int count);

    [LoggerMessage(8, LogLevel.Information, "Serving certificate {Subject} (serial {Serial}, expires {NotAfter:u}) for {Names}")]
    public static partial void ServingCertificate(ILogger logger, string subject, string serial, DateTime notAfter, string names);

    [LoggerMessage(20, LogLevel.Warning, "Handlers held an I/O thread for over {StallMilliseconds} ms {Count} times in the last {Seconds:0.#} s; another thread took over each time. A handler that blocks (locks, Task.Wait, synchronous I/O) should offload that work")]
    public static partial void HandlerStalledIoThread(ILogger logger, long count, long stallMilliseconds, double seconds);

    [LoggerMessage(21, LogLevel.Information, "The epoll transport is unavailable ({Problem}): connections use the runtime's socket engine")]
    public static partial void EpollUnavailable(ILogger logger, string problem);

    [LoggerMessage(22, LogLevel.Information, "Following the client's cipher suite order is unavailable ({Problem}): handshakes use the runtime's order")]
    public static partial void CipherPreferenceUnavailable(ILogger logger, string problem);
}
