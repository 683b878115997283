using System.Net;
using RawTls.Certificates;
using RawTls.Cli.Commands.Operations;
using RawTls.Ocsp;
using RawTls.Server;
using RawTls.Stapling;

namespace RawTls.Cli.Commands;

/// <summary>What <c>rawtls serve</c> prints: the banner once listening, and each SIGHUP reload's outcome.</summary>
internal static class ServeBanner
{
    public static void Print(TlsServer server, string? rootPath, string protocol, OperationsHost? operations)
    {
        IPEndPoint ep = server.LocalEndPoints[0];
        string host = ep.Address.Equals(IPAddress.Loopback) || ep.Address.Equals(IPAddress.Any) ? "localhost" : ep.Address.ToString();
        string url = $"https://{host}:{ep.Port}/";
        Console.WriteLine($"rawtls serving {protocol} on {url} (listening on {ep})");
        foreach (CertificateHolder holder in server.Certificates)
        {
            StapleStatus? s = holder.StaplingStatus;
            string staple = s?.Staple is { } st ? $"stapled {st.Status} until {st.NextUpdate:u}" : s is null ? "stapling off" : $"no staple yet ({s.LastResult ?? "pending"})";
            Console.WriteLine($"certificate {holder.Current.Leaf.Subject} serial {holder.Current.Leaf.SerialNumber}: {staple}");
        }

        if (operations?.MetricsUrl is { } metrics)
        {
            Console.WriteLine($"metrics on {metrics}");
        }

        if (operations?.Admin is { } admin)
        {
            Console.WriteLine($"admin on {admin} (rawtls status --admin {admin})");
        }

        string ca = rootPath is null ? "-k" : $"--cacert {rootPath}";
        if (rootPath is not null)
        {
            Console.WriteLine($"root certificate: {rootPath}");
        }

        Console.WriteLine();
        Console.WriteLine("try:");
        Console.WriteLine($"  curl {ca} {url}");
        Console.WriteLine($"  openssl s_client -connect 127.0.0.1:{ep.Port} -servername {host} -status {(rootPath is null ? string.Empty : $"-CAfile {rootPath}")} </dev/null");
        Console.WriteLine($"  dotnet run --project src/RawTls.Cli -- check 127.0.0.1:{ep.Port} --servername {host}{(rootPath is null ? string.Empty : $" --ca {rootPath}")}");
        Console.WriteLine($"  hey -n 20000 -c 50 -disable-keepalive {url}");
        Console.WriteLine($"  wrk -t1 -c32 -d10s {url}");
        Console.WriteLine("Ctrl+C stops.");
    }

    public static async Task ReloadAsync(TlsServer server)
    {
        Console.WriteLine("SIGHUP: reloading certificates");
        try
        {
            foreach (CertificateReloadStatus status in await server.ReloadCertificatesAsync().ConfigureAwait(false))
            {
                Console.WriteLine(status.Error is null
                    ? $"reload: {status.Result.ToString().ToLowerInvariant()}, serving serial {status.SerialNumber}"
                    : $"reload: failed, still serving serial {status.SerialNumber}: {status.Error}");
            }
        }
        catch (InvalidOperationException)
        {
            // stopping
        }
    }
}
