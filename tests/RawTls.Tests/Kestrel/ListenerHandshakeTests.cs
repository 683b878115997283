using System.Net.Security;
using RawTls.Certificates;
using RawTls.Kestrel;
using RawTls.Kestrel.Internal;
using RawTls.Ocsp;
using RawTls.Server;
using RawTls.Stapling;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Kestrel;

/// <summary>What Kestrel's per-handshake callback does, called directly: what it hands Kestrel and what that costs.</summary>
public class ListenerHandshakeTests
{
    [Fact]
    public async Task Matching_alpn_returns_the_published_options_without_allocating()
    {
        await using var stapling = await StartAsync();
        var handshake = new ListenerHandshake(stapling, stapling.ApplicationProtocols);
        SslServerAuthenticationOptions first = await handshake.OnConnectionAsync("localhost", default);

        int others = 0, pendingCount = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            ValueTask<SslServerAuthenticationOptions> pending = handshake.OnConnectionAsync("localhost", default);
            pendingCount += pending.IsCompletedSuccessfully ? 0 : 1;
            others += ReferenceEquals(first, await pending) ? 0 : 1; // completed: continues synchronously, nothing boxed
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, pendingCount);
        Assert.Equal(0, others);
        Assert.Equal(0, allocated);
        Assert.Same(stapling.Certificates[0].Current.SslContext, first.ServerCertificateContext);
        Assert.Equal([SslApplicationProtocol.Http2, SslApplicationProtocol.Http11], first.ApplicationProtocols);
    }

    [Fact]
    public async Task An_http1_only_listener_gets_its_own_alpn_and_the_published_options_stay_untouched()
    {
        await using var stapling = await StartAsync();
        var handshake = new ListenerHandshake(stapling, [SslApplicationProtocol.Http11]);

        SslServerAuthenticationOptions options = await handshake.OnConnectionAsync("localhost", default);

        Assert.Equal([SslApplicationProtocol.Http11], options.ApplicationProtocols);
        Assert.Same(stapling.Certificates[0].Current.SslContext, options.ServerCertificateContext);
        Assert.Equal([SslApplicationProtocol.Http2, SslApplicationProtocol.Http11], stapling.Select("localhost").ApplicationProtocols);
    }

    [Fact]
    public async Task A_handshake_before_start_waits_for_it_and_an_unstarted_set_fails_clearly()
    {
        var options = new TlsServerOptions();
        options.Certificates.Add(ServerCertificateOptions.FromCertificate(TestPki.SelfSigned("localhost")));
        options.Stapling.Mode = StaplingMode.Off;
        await using var stapling = new RawTlsStapling(options);
        var handshake = new ListenerHandshake(stapling, stapling.ApplicationProtocols);

        var unstarted = await Assert.ThrowsAsync<InvalidOperationException>(async () => await handshake.OnConnectionAsync("localhost", default));
        Assert.Contains("call StartAsync", unstarted.Message, StringComparison.Ordinal);

        Task start = stapling.StartAsync();
        SslServerAuthenticationOptions served = await handshake.OnConnectionAsync("localhost", default).AsTask().WaitAsync(TestServerFactory.DefaultWait);
        await start;
        Assert.Same(stapling.Certificates[0].Current.SslContext, served.ServerCertificateContext);
    }

    private static async Task<RawTlsStapling> StartAsync()
    {
        var options = new TlsServerOptions();
        options.Certificates.Add(ServerCertificateOptions.FromCertificate(TestPki.SelfSigned("localhost")));
        options.Stapling.Mode = StaplingMode.Off;
        var stapling = new RawTlsStapling(options);
        await stapling.StartAsync();
        return stapling;
    }
}
