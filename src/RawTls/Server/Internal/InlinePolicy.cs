namespace RawTls.Server.Internal;

/// <summary>Where a connection's accept and handshake run: pure decisions, no state.</summary>
internal static class InlinePolicy
{
    /// <summary>
    /// Handshakes run on the socket engine's thread when the runtime switch works, no user callback can run inside
    /// the handshake (client-certificate validation is user code, and chain building may fetch over the network), and
    /// the engine threads are not far fewer than the cores: the runtime starts one engine per ~30 cores, so on a large
    /// machine inline handshakes would all queue on one thread while the pool has a thread per core.
    /// </summary>
    public static bool InlineHandshakes(bool adapterAvailable, ClientCertificateMode clientCertificates, int processorCount, int socketEngines)
        => adapterAvailable
           && clientCertificates == ClientCertificateMode.NoCertificate
           && processorCount <= 2 * Math.Max(1, socketEngines);

    /// <summary>The number of socket engine threads the runtime starts, by its own rule.</summary>
    public static int SocketEngines() => SocketEngines(
        Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT"),
        Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") == "1",
        Environment.ProcessorCount,
        System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is System.Runtime.InteropServices.Architecture.Arm64 or System.Runtime.InteropServices.Architecture.Arm);

    public static int SocketEngines(string? threadCountVariable, bool inlineVariable, int processorCount, bool arm)
    {
        if (uint.TryParse(threadCountVariable, out uint count))
        {
            return (int)Math.Max(1, count);
        }

        return inlineVariable ? processorCount : Math.Max(1, (int)Math.Round(processorCount / (arm ? 8.0 : 30.0)));
    }
}
