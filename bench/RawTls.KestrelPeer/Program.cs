using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// The Kestrel peer of the load comparison: HTTPS on the given certificate, one fixed plain-text answer,
// no routing, no logging. Usage: RawTls.KestrelPeer --listen 127.0.0.1:8443 --cert leaf.pem --key leaf.key
// [--chain chain.pem] [--tls 1.2|1.3]
var settings = PeerSettings.Parse(args);
using X509Certificate2 leaf = X509Certificate2.CreateFromPemFile(settings.Cert, settings.Key);
var chain = new X509Certificate2Collection();
if (settings.Chain is not null)
{
    chain.ImportFromPemFile(settings.Chain);
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(settings.EndPoint, listen =>
    {
        listen.Protocols = HttpProtocols.Http1;
        listen.UseHttps(https =>
        {
            // Kestrel builds one long-lived SslStreamCertificateContext from these two.
            https.ServerCertificate = leaf;
            https.ServerCertificateChain = chain;
            https.SslProtocols = settings.Protocols;
        });
    });
});

var app = builder.Build();
byte[] body = "Hello from RawTls\n"u8.ToArray();
app.Run(context =>
{
    HttpResponse response = context.Response;
    response.StatusCode = 200;
    response.ContentType = "text/plain";
    response.ContentLength = body.Length;
    return response.Body.WriteAsync(body).AsTask();
});
Console.WriteLine($"kestrel peer listening on https://{settings.EndPoint}/");
app.Run();

internal sealed record PeerSettings(IPEndPoint EndPoint, string Cert, string Key, string? Chain, SslProtocols Protocols)
{
    public static PeerSettings Parse(string[] args)
    {
        string listen = "127.0.0.1:8443";
        string? cert = null, key = null, chain = null, tls = null;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--listen": listen = args[i + 1]; break;
                case "--cert": cert = args[i + 1]; break;
                case "--key": key = args[i + 1]; break;
                case "--chain": chain = args[i + 1]; break;
                case "--tls": tls = args[i + 1]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        SslProtocols protocols = tls switch
        {
            null => SslProtocols.None,
            "1.2" => SslProtocols.Tls12,
            "1.3" => SslProtocols.Tls13,
            _ => throw new ArgumentException("--tls must be 1.2 or 1.3"),
        };
        return new PeerSettings(
            IPEndPoint.Parse(listen),
            cert ?? throw new ArgumentException("--cert is required"),
            key ?? throw new ArgumentException("--key is required"),
            chain,
            protocols);
    }
}
