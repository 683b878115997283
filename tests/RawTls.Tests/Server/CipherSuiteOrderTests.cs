using System.Net.Security;
using System.Security.Authentication;
using RawTls.Server.Internal;
using RawTls.Tests.Infrastructure;
using static RawTls.Tests.Infrastructure.TestServerFactory;

namespace RawTls.Tests.Server;

/// <summary>
/// The suite a handshake gets: the client's first choice among the allowed ones (as nginx does), not the runtime's
/// order, which put AES-256-GCM with SHA-384 ahead of everything. Each server has a fresh certificate, so the
/// runtime's SSL_CTX of each test is its own; its first handshake still sees the runtime's order.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class CipherSuiteOrderTests
{
    private static readonly CipherSuitesPolicy Aes128First = new([TlsCipherSuite.TLS_AES_128_GCM_SHA256, TlsCipherSuite.TLS_AES_256_GCM_SHA384]);

    [Fact]
    public async Task The_startup_check_proves_the_adapter_on_this_runtime()
    {
        (bool ok, string? problem) = await CipherPreferenceCheck.ResultAsync();
        Assert.True(ok, problem);
    }

    [Fact]
    public async Task A_client_that_prefers_aes128_gets_it_after_the_contexts_first_handshake()
    {
        await using var server = await StartAsync();
        var suites = new List<TlsCipherSuite>();
        for (int i = 0; i < 3; i++)
        {
            await using var client = await ConnectTlsAsync(server.EndPoint, new SslClientAuthenticationOptions { EnabledSslProtocols = SslProtocols.Tls13, CipherSuitesPolicy = Aes128First });
            suites.Add(client.Ssl.NegotiatedCipherSuite);
        }

        Assert.Equal(TlsCipherSuite.TLS_AES_256_GCM_SHA384, suites[0]); // a fresh context: still the runtime's order
        Assert.Equal(TlsCipherSuite.TLS_AES_128_GCM_SHA256, suites[1]);
        Assert.Equal(TlsCipherSuite.TLS_AES_128_GCM_SHA256, suites[2]);
        await AssertEchoRoundTripAsync(server);
    }

    [Fact]
    public async Task Real_clients_get_their_first_choice_in_tls13_and_tls12()
    {
        await using var server = await StartAsync();
        await AssertEchoRoundTripAsync(server); // the context's first handshake

        Assert.Equal("TLS_AES_128_GCM_SHA256", await SClientCipherAsync(server, "-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"));
        Assert.Equal("TLS_CHACHA20_POLY1305_SHA256", await SClientCipherAsync(server, "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"));
        Assert.Equal("TLS_AES_256_GCM_SHA384", await SClientCipherAsync(server, "-ciphersuites", "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256"));

        await using (await ConnectTlsAsync(server.EndPoint, new SslClientAuthenticationOptions { EnabledSslProtocols = SslProtocols.Tls12 }))
        {
            // the TLS 1.2 context's first handshake
        }

        Assert.Equal("ECDHE-ECDSA-AES128-GCM-SHA256", await SClientCipherAsync(server, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"));
    }

    [Fact]
    public async Task Without_the_adapter_handshakes_keep_the_runtimes_order()
    {
        await using var server = await StartAsync(o => o.SimulateCipherPreferenceUnavailable = true);
        for (int i = 0; i < 3; i++)
        {
            await using var client = await ConnectTlsAsync(server.EndPoint, new SslClientAuthenticationOptions { EnabledSslProtocols = SslProtocols.Tls13, CipherSuitesPolicy = Aes128First });
            Assert.Equal(TlsCipherSuite.TLS_AES_256_GCM_SHA384, client.Ssl.NegotiatedCipherSuite);
        }

        await AssertEchoRoundTripAsync(server);
    }

    /// <summary>The cipher openssl s_client negotiated ("Cipher is X" on its "New," line).</summary>
    private static async Task<string> SClientCipherAsync(TestServer server, params string[] extra)
    {
        string[] args = ["s_client", "-connect", $"127.0.0.1:{server.EndPoint.Port}", "-servername", "localhost", .. extra];
        (_, string output, _) = await ExternalTool.RunAsync("openssl", args, DefaultWait, stdin: string.Empty);
        string? line = output.Split('\n').FirstOrDefault(l => l.StartsWith("New,", StringComparison.Ordinal));
        Assert.True(line is not null, $"no handshake: {output}");
        return line![(line.LastIndexOf(' ') + 1)..].Trim();
    }
}
