using System.Net;
using System.Net.Sockets;
using RawTls.Internal.Runtime;

namespace RawTls.Server.Internal;

/// <summary>
/// Proves once per process that <see cref="RuntimeSocketAdapter"/> works on this runtime: over a real loopback
/// connection, a receive completes on the socket engine's own thread while the flag is set and on a thread-pool
/// thread once it is cleared. Any doubt means "unavailable": the server then runs accept and handshakes on the
/// thread pool, the runtime's default (correct, one thread hop more per socket event).
/// </summary>
internal static class InlineCompletionCheck
{
    private static readonly Lazy<Task<(bool Ok, string? Problem)>> s_result = new(RunAsync);

    /// <summary>The cached verdict of the one check this process runs.</summary>
    public static Task<(bool Ok, string? Problem)> ResultAsync() => s_result.Value;

    private static async Task<(bool Ok, string? Problem)> RunAsync()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return (false, "not a Unix socket engine");
        }

        try
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(listener.LocalEndPoint!).ConfigureAwait(false);
            using Socket server = await listener.AcceptAsync().ConfigureAwait(false);
            if (!RuntimeSocketAdapter.ShapeMatches(server, out string? problem))
            {
                return (false, problem);
            }

            using var probe = new ThreadProbe();
            RuntimeSocketAdapter.SetInline(server, true);
            bool? onPool = await probe.ReceiveOnAsync(server, client).ConfigureAwait(false);
            if (onPool != false)
            {
                return (false, onPool is null ? "inline receive did not complete" : "with the flag set the completion still ran on the thread pool");
            }

            RuntimeSocketAdapter.SetInline(server, false);
            onPool = await probe.ReceiveOnAsync(server, client).ConfigureAwait(false);
            return onPool == true ? (true, null) : (false, "with the flag cleared the completion did not run on the thread pool");
        }
        catch (Exception ex) when (ex is SocketException or MissingMemberException or InvalidOperationException or TimeoutException)
        {
            return (false, ex.Message);
        }
    }

    /// <summary>One receive that records on which kind of thread it completed.</summary>
    private sealed class ThreadProbe : SocketAsyncEventArgs
    {
        private readonly byte[] _buffer = new byte[1];
        private TaskCompletionSource<bool>? _done;

        public ThreadProbe()
            : base(unsafeSuppressExecutionContextFlow: true) => SetBuffer(_buffer, 0, 1);

        /// <summary>True: completed on the pool; false: on another thread (the engine's); null: no completion in time.</summary>
        public async Task<bool?> ReceiveOnAsync(Socket server, Socket client)
        {
            _done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!server.ReceiveAsync(this))
            {
                return null; // nothing was sent yet, so a synchronous completion means the socket is not what we think
            }

            await client.SendAsync(_buffer, SocketFlags.None).ConfigureAwait(false);
            try
            {
                return await _done.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return null;
            }
        }

        protected override void OnCompleted(SocketAsyncEventArgs e) => _done?.TrySetResult(Thread.CurrentThread.IsThreadPoolThread);
    }
}
