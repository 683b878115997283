using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;

namespace RawTls.Server.Internal;

/// <summary>Cold throw paths, kept out of hot methods so they stay small and inlinable.</summary>
internal static class ThrowHelper
{
    public static Exception CreateSocketException(SocketError error) =>
        error == SocketError.OperationAborted
            ? new ObjectDisposedException(nameof(Socket), "The connection was aborted.")
            : new IOException($"Socket operation failed: {error}.", new SocketException((int)error));

    [DoesNotReturn]
    public static void ThrowNotSupported() => throw new NotSupportedException();

    [DoesNotReturn]
    public static void ThrowInvalidOperation(string message) => throw new InvalidOperationException(message);

    [DoesNotReturn]
    public static void ThrowArgument(string message, string paramName) => throw new ArgumentException(message, paramName);
}
