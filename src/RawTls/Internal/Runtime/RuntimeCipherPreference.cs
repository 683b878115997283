using System.Net.Security;
using System.Runtime.InteropServices;

namespace RawTls.Internal.Runtime;

/// <summary>
/// The one place that touches the runtime's OpenSSL objects. The runtime creates each server SSL_CTX with
/// <c>SSL_OP_CIPHER_SERVER_PREFERENCE</c> and OpenSSL's default suite order, so every client gets AES-256-GCM with
/// SHA-384 even when it asks for AES-128-GCM with SHA-256 first (Go's client does on CPUs with AES instructions;
/// hey, the load tool, is one). SHA-384 has no CPU instructions where SHA-256 has, and the TLS 1.3 key schedule and the TLS 1.2 PRF
/// hash with it. nginx follows the client by default. The public way to change the order, a
/// <see cref="CipherSuitesPolicy"/>, makes the runtime build a new SSL_CTX for every handshake, which costs far
/// more than it saves. So after a handshake this clears the flag on the SSL_CTX the connection came from: later
/// handshakes on that context follow the client's order of the suites the runtime already allows, as nginx does.
/// The flag is one word that the runtime never writes after creating the context and that SSL_new only copies, so
/// handshakes running meanwhile on other threads see it either set or clear. <c>CipherPreferenceCheck</c>
/// proves at startup with two in-memory handshakes that it works; otherwise nothing here runs.
/// </summary>
internal static unsafe class RuntimeCipherPreference
{
    private const ulong ServerPreference = 0x00400000; // SSL_OP_CIPHER_SERVER_PREFERENCE, the same in OpenSSL 1.1 and 3

    private static delegate* unmanaged<nint, nint> s_getContext;
    private static delegate* unmanaged<nint, ulong> s_getOptions;
    private static delegate* unmanaged<nint, ulong, ulong> s_clearOptions;
    private static nint s_lastContext; // the context cleared last: nearly every handshake comes from it

    /// <summary>Binds to the libssl the runtime loaded. False where it is not loaded yet or has no such exports.</summary>
    public static bool TryBind(out string? problem)
    {
        string? path = LoadedLibSsl();
        if (path is null)
        {
            problem = "the runtime has not loaded libssl";
            return false;
        }

        if (!NativeLibrary.TryLoad(path, out nint lib)
            || !NativeLibrary.TryGetExport(lib, "SSL_get_SSL_CTX", out nint get)
            || !NativeLibrary.TryGetExport(lib, "SSL_CTX_get_options", out nint options)
            || !NativeLibrary.TryGetExport(lib, "SSL_CTX_clear_options", out nint clear))
        {
            problem = $"{path} lacks SSL_get_SSL_CTX, SSL_CTX_get_options or SSL_CTX_clear_options";
            return false;
        }

        s_getContext = (delegate* unmanaged<nint, nint>)get;
        s_getOptions = (delegate* unmanaged<nint, ulong>)options;
        s_clearOptions = (delegate* unmanaged<nint, ulong, ulong>)clear;
        problem = null;
        return true;
    }

    /// <summary>
    /// After <paramref name="ssl"/>'s handshake: make its SSL_CTX follow the client's suite order from now on. Returns
    /// whether the context still had the server's order (tests; the check).
    /// </summary>
    public static bool Apply(SslStream ssl)
    {
        SafeHandle? context = null;
        bool added = false;
        try
        {
            context = SecurityContext(ssl);
            if (context is null)
            {
                return false;
            }

            context.DangerousAddRef(ref added); // the SSL holds a reference on its SSL_CTX
            nint ctx = s_getContext(context.DangerousGetHandle());
            if (ctx == 0 || ctx == Volatile.Read(ref s_lastContext))
            {
                return false;
            }

            bool changed = (s_getOptions(ctx) & ServerPreference) != 0;
            if (changed)
            {
                _ = s_clearOptions(ctx, ServerPreference);
            }

            Volatile.Write(ref s_lastContext, ctx);
            return changed;
        }
        catch (Exception ex) when (ex is ObjectDisposedException or ArgumentException or MemberAccessException or System.Reflection.TargetException)
        {
            return false; // the connection goes on in the runtime's order; the startup check has proven the shape
        }
        finally
        {
            if (added)
            {
                context!.DangerousRelease();
            }
        }
    }

    /// <summary>Whether <paramref name="ssl"/>'s context still prefers the server's order (for the check and tests).</summary>
    public static bool PrefersServerOrder(SslStream ssl)
    {
        SafeHandle context = SecurityContext(ssl) ?? throw new InvalidOperationException("no security context");
        bool added = false;
        try
        {
            context.DangerousAddRef(ref added);
            return (s_getOptions(s_getContext(context.DangerousGetHandle())) & ServerPreference) != 0;
        }
        finally
        {
            if (added)
            {
                context.DangerousRelease();
            }
        }
    }

    /// <summary>The runtime's SSL handle of a stream (Linux: <c>SafeDeleteSslContext</c>, whose handle is the SSL*).</summary>
    private static SafeHandle? SecurityContext(SslStream ssl) => s_securityContext?.GetValue(ssl) as SafeHandle;

    // An internal type, so no UnsafeAccessor: a field of a type this assembly cannot name.
    private static readonly System.Reflection.FieldInfo? s_securityContext =
        typeof(SslStream).GetField("_securityContext", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);

    /// <summary>The path of the libssl mapped into this process, so that the SSL* and the functions are one library's.</summary>
    private static string? LoadedLibSsl()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash > 0 && line.AsSpan(slash).Contains("/libssl.so", StringComparison.Ordinal))
                {
                    return line[slash..];
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
