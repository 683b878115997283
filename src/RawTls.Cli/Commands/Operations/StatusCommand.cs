using System.CommandLine;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace RawTls.Cli.Commands.Operations;

/// <summary>
/// <c>rawtls status --admin ADDRESS [--json]</c>: reads a running server's <c>/status</c> from its admin
/// endpoint and prints the per-certificate table (or the JSON as served). Exit 0: read; 1: the endpoint
/// answered something other than a status document; 3: cannot connect.
/// </summary>
internal static class StatusCommand
{
    private static readonly Option<AdminAddress?> Admin = Required(CliOptions.Value<AdminAddress?>("--admin", "ADDRESS", "The server's admin endpoint (its serve --admin): a loopback HOST:PORT or a Unix socket path.", AdminAddress.Parse));
    private static readonly Option<bool> Json = CliOptions.Flag("--json", "Print the status document as JSON.");
    private static readonly Option<TimeSpan> Timeout = CliOptions.Duration("--timeout", "Give up connecting and reading after this long.", "5s");

    public static Command Create()
    {
        var command = new Command("status", "Show a running server's certificates and staples (name, serial, staple status, thisUpdate/nextUpdate, age, next refresh, last fetch, failures in a row).") { Admin, Json, Timeout };
        command.SetAction(static (result, _) => RunAsync(result));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult cl)
    {
        AdminAddress admin = cl.GetValue(Admin)!;
        using HttpClient http = CreateClient(admin, cl.GetValue(Timeout));
        string body;
        try
        {
            using HttpResponseMessage response = await http.GetAsync(new Uri("/status", UriKind.Relative)).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"rawtls status: {admin} answered {(int)response.StatusCode} {response.ReasonPhrase}");
                return 1;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or SocketException)
        {
            Console.Error.WriteLine($"rawtls status: cannot read {admin}: {ex.Message}");
            return 3;
        }

        StatusDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(body, StatusJsonContext.Default.StatusDocument);
        }
        catch (JsonException ex)
        {
            Console.Error.WriteLine($"rawtls status: {admin} did not answer a status document: {ex.Message}");
            return 1;
        }

        if (document is null)
        {
            Console.Error.WriteLine($"rawtls status: {admin} answered an empty document");
            return 1;
        }

        Console.WriteLine(cl.GetValue(Json) ? body : StatusTable.Render(document));
        return 0;
    }

    private static HttpClient CreateClient(AdminAddress admin, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = timeout, UseProxy = false };
        if (admin.SocketPath is { } path)
        {
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        string authority = admin.EndPoint is { } ep ? (ep.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ep.Address}]:{ep.Port}" : ep.ToString()) : "localhost";
        return new HttpClient(handler) { BaseAddress = new Uri($"http://{authority}/"), Timeout = timeout };
    }

    private static Option<T> Required<T>(Option<T> option)
    {
        option.Required = true;
        return option;
    }
}
