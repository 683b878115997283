using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace RawTls.Internal.Runtime;

/// <summary>
/// The one place that touches socket runtime internals. On Unix each <see cref="SafeSocketHandle"/> carries an
/// internal <c>PreferInlineCompletions</c> flag, read by the socket engine for every epoll event: when set, the
/// engine's own thread performs the I/O and runs the completion instead of queueing it to the thread pool. The
/// process-wide <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c> only sets its default; this sets it per socket,
/// so the server chooses which phases run inline (accept and handshake) and which do not (handler code).
/// The handle is read from <see cref="Socket"/>'s private field, because the public <see cref="Socket.SafeHandle"/>
/// getter marks the handle as exposed, which changes how the socket is closed. <see cref="Server.Internal.InlineCompletionCheck"/>
/// proves at startup, with a real loopback receive, that the flag does what is assumed.
/// </summary>
internal static class RuntimeSocketAdapter
{
    /// <summary>Sets or clears inline completions for <paramref name="socket"/>.</summary>
    /// <exception cref="MissingMemberException">The runtime's private shape changed (the startup check catches this first).</exception>
    public static void SetInline(Socket socket, bool inline) => SetPreferInlineCompletions(Handle(socket), inline);

    /// <summary>Whether the flag is set on <paramref name="socket"/>.</summary>
    public static bool IsInline(Socket socket) => GetPreferInlineCompletions(Handle(socket));

    /// <summary>True when the field and the property the adapter needs exist with the expected types.</summary>
    public static bool ShapeMatches(Socket probe, out string? problem)
    {
        try
        {
            bool before = IsInline(probe);
            SetInline(probe, !before);
            bool flipped = IsInline(probe) == !before;
            SetInline(probe, before);
            problem = flipped ? null : "PreferInlineCompletions did not change when set";
            return flipped;
        }
        catch (Exception ex) when (ex is MissingFieldException or MissingMethodException or MissingMemberException or BadImageFormatException or InvalidProgramException or NullReferenceException)
        {
            problem = ex.Message;
            return false;
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_handle")]
    private static extern ref SafeSocketHandle Handle(Socket socket);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_PreferInlineCompletions")]
    private static extern void SetPreferInlineCompletions(SafeSocketHandle handle, bool value);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_PreferInlineCompletions")]
    private static extern bool GetPreferInlineCompletions(SafeSocketHandle handle);
}
