using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using RawTls.DevPki;

namespace RawTls.Tests.DevPki;

public class TlsHandshakeTests
{
    [Theory]
    [InlineData(false, DevKeyAlgorithm.EcdsaP256)]
    [InlineData(true, DevKeyAlgorithm.EcdsaP256)]
    [InlineData(true, DevKeyAlgorithm.Rsa2048)]
    public async Task Leaf_serves_tls_and_validates_against_root(bool fromDisk, DevKeyAlgorithm keyAlgorithm)
    {
        using var dir = new TempDir();
        using var created = DevCertificateAuthority.Create(dir.Path, new DevPkiOptions { KeyAlgorithm = keyAlgorithm });
        using var ca = fromDisk ? DevCertificateAuthority.Load(dir.Path) : created;

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));

        Task server = Task.Run(async () =>
        {
            using TcpClient accepted = await listener.AcceptTcpClientAsync(cts.Token);
            await using var ssl = new SslStream(accepted.GetStream());
            var context = SslStreamCertificateContext.Create(ca.Leaf, [ca.Intermediate], offline: true);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = context }, cts.Token);
            await ssl.WriteAsync("ok"u8.ToArray(), cts.Token);
        });

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
        await using var clientSsl = new SslStream(client.GetStream());
        SslPolicyErrors seen = SslPolicyErrors.None;
        await clientSsl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { ca.Root },
                RevocationMode = X509RevocationMode.NoCheck,
            },
            RemoteCertificateValidationCallback = (_, _, _, errors) =>
            {
                seen = errors;
                return errors == SslPolicyErrors.None;
            },
        }, cts.Token);
        byte[] buf = new byte[2];
        await clientSsl.ReadExactlyAsync(buf, cts.Token);
        await server;
        Assert.Equal(SslPolicyErrors.None, seen);
        Assert.Equal("ok"u8.ToArray(), buf);
    }
}
