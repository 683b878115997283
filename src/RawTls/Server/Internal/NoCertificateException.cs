using System.Security.Authentication;

namespace RawTls.Server.Internal;

/// <summary>No certificate may be served for the client's server name; the handshake fails.</summary>
internal sealed class NoCertificateException(string? serverName)
    : AuthenticationException(string.IsNullOrEmpty(serverName)
        ? "No certificate is available to serve."
        : $"No certificate is available for server name '{serverName}'.");
