using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using RawTls.Certificates;
using RawTls.Cli.Commands;
using RawTls.Server;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Cli;

public class ServeTlsOptionTests
{
    [Theory]
    [InlineData(null, SslProtocols.None)]
    [InlineData("1.2", SslProtocols.Tls12)]
    [InlineData("1.3", SslProtocols.Tls13)]
    public void Tls_option_maps_to_enabled_protocols(string? value, SslProtocols expected)
        => Assert.Equal(expected, ServeCommand.ParseTlsVersions(value));

    [Theory]
    [InlineData("1.1")]
    [InlineData("tls13")]
    [InlineData("")]
    public void Tls_option_rejects_other_values(string value)
        => Assert.Throws<CommandLineException>(() => ServeCommand.ParseTlsVersions(value));

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Server_capped_at_one_version_negotiates_it_with_a_client_offering_both(SslProtocols only)
    {
        using var cert = TestPki.SelfSigned("localhost");
        var options = new TlsServerOptions { EnabledProtocols = only }.Listen(IPAddress.Loopback, 0);
        options.Certificates.Add(ServerCertificateOptions.FromCertificate(cert));
        await using var server = new TlsServer(options, static _ => ValueTask.CompletedTask);
        await server.StartAsync();
        using var client = new TcpClient();
        await client.ConnectAsync(server.LocalEndPoints[0]);
        using var ssl = new SslStream(client.GetStream());
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        Assert.Equal(only, ssl.SslProtocol);
    }
}
