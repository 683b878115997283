using System.Diagnostics;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RawTls.Diagnostics;
using RawTls.Server;
using RawTls.Tests.Infrastructure;
using static RawTls.Tests.Infrastructure.TestServerFactory;

namespace RawTls.Tests.Server;

/// <summary>Protocol versions, client certificates, ALPN and SNI as seen by the handler.</summary>
public class TlsServerNegotiationTests
{
    [Theory]
    [InlineData("-tls1")]
    [InlineData("-tls1_1")]
    public async Task Legacy_tls_clients_are_refused_as_protocol(string versionFlag)
    {
        string openssl = ExternalTool.Require("openssl");

        await using var server = await StartAsync();
        var start = new ProcessStartInfo(openssl)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "s_client", "-connect", $"127.0.0.1:{server.EndPoint.Port}", versionFlag, "-cipher", "DEFAULT@SECLEVEL=0", "-servername", "localhost" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        try
        {
            process.StandardInput.Close();
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(DefaultWait);
            await process.WaitForExitAsync(cts.Token);
            Assert.True(process.ExitCode != 0, $"s_client succeeded: {await stdout}");
            _ = await stderr;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        await server.AssertHandshakeFailedAsync(HandshakeFailureReason.Protocol);
        await AssertEchoRoundTripAsync(server);
        await server.AssertNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task A_tls12_only_client_gets_tls12_and_the_handler_sees_its_parameters()
    {
        var seen = new TaskCompletionSource<(SslProtocols, TlsCipherSuite)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await StartAsync(handler: c =>
        {
            seen.TrySetResult((c.Protocol, c.CipherSuite));
            return ValueTask.CompletedTask;
        });
        await using var client = await ConnectTlsAsync(server.EndPoint, new SslClientAuthenticationOptions { EnabledSslProtocols = SslProtocols.Tls12 });
        Assert.Equal(SslProtocols.Tls12, client.Ssl.SslProtocol);
        var (protocol, suite) = await seen.Task.WaitAsync(DefaultWait);
        Assert.Equal(SslProtocols.Tls12, protocol);
        Assert.Equal(client.Ssl.NegotiatedCipherSuite, suite);
        Assert.NotEqual(default, suite);
    }

    [Fact]
    public async Task Alpn_sni_protocol_and_cipher_suite_are_exposed()
    {
        var seen = new TaskCompletionSource<(SslApplicationProtocol Alpn, string? Name, SslProtocols Protocol, TlsCipherSuite Suite, X509Certificate2? Client)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await StartAsync(
            o =>
            {
                o.ApplicationProtocols.Add(SslApplicationProtocol.Http2);
                o.ApplicationProtocols.Add(SslApplicationProtocol.Http11);
            },
            c =>
            {
                seen.TrySetResult((c.ApplicationProtocol, c.ServerName, c.Protocol, c.CipherSuite, c.RemoteCertificate));
                return ValueTask.CompletedTask;
            });
        await using var client = await ConnectTlsAsync(server.EndPoint, new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http11, new SslApplicationProtocol("other")],
        });
        var s = await seen.Task.WaitAsync(DefaultWait);
        Assert.Equal(SslApplicationProtocol.Http11, s.Alpn);
        Assert.Equal(SslApplicationProtocol.Http11, client.Ssl.NegotiatedApplicationProtocol);
        Assert.Equal("localhost", s.Name);
        Assert.Equal(SslProtocols.Tls13, s.Protocol);
        Assert.Equal(client.Ssl.NegotiatedCipherSuite, s.Suite);
        Assert.Null(s.Client);
    }

    [Fact]
    public async Task Required_client_certificate_is_exposed_when_sent()
    {
        using var clientCertificate = TestPki.SelfSigned("client.test");
        var seen = new TaskCompletionSource<X509Certificate2?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await StartAsync(
            RequireClientCertificate,
            c =>
            {
                seen.TrySetResult(c.RemoteCertificate);
                return ValueTask.CompletedTask;
            });
        await using var client = await ConnectTlsAsync(server.EndPoint, new SslClientAuthenticationOptions
        {
            ClientCertificates = [clientCertificate],
        });
        var remote = await seen.Task.WaitAsync(DefaultWait);
        Assert.NotNull(remote);
        Assert.Equal(clientCertificate.Thumbprint, remote.Thumbprint);
    }

    [Fact]
    public async Task Required_client_certificate_missing_fails_the_handshake()
    {
        bool handlerRan = false;
        await using var server = await StartAsync(RequireClientCertificate, c =>
        {
            handlerRan = true;
            return ValueTask.CompletedTask;
        });

        // With TLS 1.3 the client may finish before the server rejects it: then its first read fails instead.
        int read;
        try
        {
            await using var client = await ConnectTlsAsync(server.EndPoint);
            read = await client.Ssl.ReadAsync(new byte[1]).AsTask().WaitAsync(DefaultWait);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            read = 0;
        }

        Assert.Equal(0, read);
        await server.AssertHandshakeFailedAsync(HandshakeFailureReason.Protocol);
        Assert.False(handlerRan);
        await server.AssertNoActiveConnectionsAsync();
    }

    private static void RequireClientCertificate(TlsServerOptions o)
    {
        o.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
        o.ClientCertificateValidation = static (_, certificate, _, _) => certificate is not null; // self-signed test certificates
    }
}
