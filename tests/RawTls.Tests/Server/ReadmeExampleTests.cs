using System.Buffers;
using System.Net;
using RawTls.Certificates;
using RawTls.DevPki;
using RawTls.Server;
using RawTls.Tests.Infrastructure;

namespace RawTls.Tests.Server;

/// <summary>The README's embedding example, verbatim but for the certificate files and the port, must work.</summary>
public sealed class ReadmeExampleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rawtls-readme-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Embedding_example_echoes_over_tls()
    {
        using var ca = DevCertificateAuthority.Create(Path.Combine(_dir, "pki"));
        string leaf = Path.Combine(_dir, "pki", "leaf.pem"), key = Path.Combine(_dir, "pki", "leaf.key"), chain = Path.Combine(_dir, "pki", "chain.pem");

        var options = new TlsServerOptions().Listen(IPAddress.Loopback, 0);
        options.Certificates.Add(ServerCertificateOptions.FromPemFiles(leaf, key, chain));
        options.Stapling.Mode = RawTls.Stapling.StaplingMode.Off; // the example's files name no responder here
        await using var server = new TlsServer(options, static async connection =>
        {
            var input = connection.Transport.Input;        // decrypted bytes in
            var result = await input.ReadAsync();
            await connection.Transport.Output.WriteAsync(result.Buffer.ToArray()); // echo them back
            input.AdvanceTo(result.Buffer.End);
        });
        await server.StartAsync();

        await using var client = await TestServerFactory.ConnectTlsAsync(server.LocalEndPoints[0]);
        await client.Ssl.WriteAsync("hello"u8.ToArray());
        var buffer = new byte[5];
        await client.Ssl.ReadExactlyAsync(buffer);
        Assert.Equal("hello"u8.ToArray(), buffer);
    }
}
