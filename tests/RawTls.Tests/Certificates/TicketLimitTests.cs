using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using RawTls.Certificates;
using RawTls.Stapling;
using RawTls.Tests.Infrastructure;
using Xunit;

namespace RawTls.Tests.Certificates;

/// <summary>
/// TLS 1.3 tickets per full handshake, counted by the real openssl client on a real loopback socket served with the
/// options a <see cref="CertificateSet"/> hands out. Each test has its own certificate, hence its own runtime context.
/// </summary>
public sealed partial class TicketLimitTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_started_set_sends_one_ticket_and_TLS13_and_TLS12_still_resume()
    {
        await using CertificateSet set = await StartSetAsync(simulateMismatch: false);
        Assert.Null(set.TicketAdapterProblem);

        await using var server = new LoopbackServer(set.GetServerOptions("localhost")!);
        Assert.Equal(1, await CountTicketsAsync(server.Port));
        Assert.True(await ResumesAsync(server.Port, "-tls1_3"));
        Assert.True(await ResumesAsync(server.Port, "-tls1_2"));
    }

    [Fact]
    public async Task When_the_runtime_shape_does_not_match_the_default_stays_and_the_reason_is_kept()
    {
        await using CertificateSet set = await StartSetAsync(simulateMismatch: true);
        Assert.StartsWith("simulated", set.TicketAdapterProblem);

        await using var server = new LoopbackServer(set.GetServerOptions("localhost")!);
        Assert.Equal(2, await CountTicketsAsync(server.Port)); // OpenSSL's default, untouched
        Assert.True(await ResumesAsync(server.Port, "-tls1_3"));
    }

    private static Task<CertificateSet> StartSetAsync(bool simulateMismatch)
    {
        var options = new CertificateSetOptions { SimulateTicketAdapterMismatch = simulateMismatch };
        options.Certificates.Add(ServerCertificateOptions.FromCertificate(TestPki.SelfSigned()));
        options.Stapling.Mode = StaplingMode.Off;
        return CertificateSet.StartAsync(options);
    }

    private static async Task<int> CountTicketsAsync(int port)
    {
        var (_, stdout, _) = await ExternalTool.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{port}", "-servername", "localhost", "-tls1_3", "-msg", "-ign_eof"], s_timeout);
        return TicketLine().Count(stdout);
    }

    private static async Task<bool> ResumesAsync(int port, string version)
    {
        string session = Path.Combine(Path.GetTempPath(), $"rawtls-ticket-{Guid.NewGuid():N}.pem");
        try
        {
            string[] common = ["s_client", "-connect", $"127.0.0.1:{port}", "-servername", "localhost", version, "-ign_eof"];
            await ExternalTool.RunAsync("openssl", [.. common, "-sess_out", session], s_timeout);
            var (_, stdout, _) = await ExternalTool.RunAsync("openssl", [.. common, "-sess_in", session], s_timeout);
            return stdout.Contains("\nReused, ", StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(session);
        }
    }

    [GeneratedRegex(@"<<< TLS 1\.3, Handshake \[length [0-9a-f]+\], NewSessionTicket")]
    private static partial Regex TicketLine();

    /// <summary>Accepts connections on 127.0.0.1, handshakes with the given options, writes one line and closes.</summary>
    private sealed class LoopbackServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public LoopbackServer(SslServerAuthenticationOptions options)
        {
            _listener.Start();
            _loop = AcceptAsync(options);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        private async Task AcceptAsync(SslServerAuthenticationOptions options)
        {
            for (int i = 0; i < 100 && !_stop.IsCancellationRequested; i++)
            {
                TcpClient tcp;
                try
                {
                    tcp = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                using (tcp)
                await using (var tls = new SslStream(tcp.GetStream()))
                {
                    try
                    {
                        using var timeout = new CancellationTokenSource(s_timeout);
                        await tls.AuthenticateAsServerAsync(options, timeout.Token);
                        await tls.WriteAsync("hello\n"u8.ToArray(), timeout.Token);
                    }
                    catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
                    {
                    }
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop;
            _stop.Dispose();
        }
    }
}
