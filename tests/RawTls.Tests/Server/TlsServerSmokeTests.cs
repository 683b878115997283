using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using RawTls.Certificates;
using RawTls.Server;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Server;

public class TlsServerSmokeTests
{
    [Fact]
    public async Task Echo_over_tls13()
    {
        using var cert = TestPki.SelfSigned("localhost");
        var options = new TlsServerOptions().Listen(IPAddress.Loopback, 0);
        options.Certificates.Add(ServerCertificateOptions.FromCertificate(cert));
        await using var server = new TlsServer(options, static async c =>
        {
            while (true)
            {
                var r = await c.Transport.Input.ReadAsync();
                foreach (var seg in r.Buffer)
                {
                    await c.Transport.Output.WriteAsync(seg);
                }

                c.Transport.Input.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted)
                {
                    return;
                }
            }
        });
        await server.StartAsync();
        using var client = new TcpClient();
        await client.ConnectAsync(server.LocalEndPoints[0]);
        using var ssl = new SslStream(client.GetStream());
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        await ssl.WriteAsync("hello"u8.ToArray());
        var buf = new byte[5];
        await ssl.ReadExactlyAsync(buf);
        Assert.Equal("hello"u8.ToArray(), buf);
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls13, ssl.SslProtocol);
    }
}
