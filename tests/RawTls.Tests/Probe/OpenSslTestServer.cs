using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RawTls.Tests.Probe;

/// <summary>
/// An <c>openssl s_server</c> on 127.0.0.1 with a fixed OCSP staple (<c>-status_file</c>): stapling with no RawTls
/// code involved. Killed by its own process id on dispose.
/// </summary>
internal sealed class OpenSslTestServer : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private OpenSslTestServer(Process process, string directory, IPEndPoint endPoint)
    {
        _process = process;
        _directory = directory;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public static bool IsAvailable()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("openssl", "version")
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            });
            if (p is null)
            {
                return false;
            }

            if (!p.WaitForExit(5000))
            {
                p.Kill();
                return false;
            }

            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <param name="certificate">Server certificate with an ECDSA private key.</param>
    /// <param name="statusFile">DER OCSP response to staple, or null for none.</param>
    /// <param name="versionFlag"><c>-tls1_2</c> or <c>-tls1_3</c>.</param>
    public static async Task<OpenSslTestServer> StartAsync(X509Certificate2 certificate, string? statusFile, string versionFlag)
    {
        var directory = Directory.CreateTempSubdirectory("rawtls-probe-").FullName;
        var certPath = Path.Combine(directory, "cert.pem");
        var keyPath = Path.Combine(directory, "key.pem");
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
        using (var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("no ECDSA key"))
        {
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        }

        var port = FreeLoopbackPort();
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var arg in new[] { "s_server", "-accept", $"127.0.0.1:{port}", "-cert", certPath, "-key", keyPath, versionFlag, "-www" })
        {
            start.ArgumentList.Add(arg);
        }

        if (statusFile is not null)
        {
            start.ArgumentList.Add("-status_file");
            start.ArgumentList.Add(statusFile);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        var server = new OpenSslTestServer(process, directory, new IPEndPoint(IPAddress.Loopback, port));
        try
        {
            // s_server prints ACCEPT once it listens.
            using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(ready.Token)
                    ?? throw new InvalidOperationException("openssl s_server exited: " + await process.StandardError.ReadToEndAsync(ready.Token));
                if (line.StartsWith("ACCEPT", StringComparison.Ordinal))
                {
                    break;
                }
            }

            // Keep draining so a chatty server never blocks on a full pipe.
            _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
            _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    // Racy by nature (the port could be taken before openssl binds it), but fine on a quiet test machine.
    private static int FreeLoopbackPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
