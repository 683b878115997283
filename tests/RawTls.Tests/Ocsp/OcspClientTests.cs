using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using RawTls.Ocsp;

namespace RawTls.Tests.Ocsp;

public class OcspClientTests
{
    private const string OcspResponse = "application/ocsp-response";
    private static readonly byte[] s_request = OcspVectors.Bytes("request-sha1.der");
    private static readonly byte[] s_response = OcspVectors.Bytes("gts-good-response.der");

    [Fact]
    public void Small_request_to_short_url_uses_get_and_round_trips()
    {
        Assert.True(OcspClient.TryBuildGetUri(new Uri("http://ocsp.example.test/ca"), s_request, out Uri? uri));

        Assert.True(uri.AbsoluteUri.Length <= OcspClient.MaxGetUrlLength);
        Assert.StartsWith("http://ocsp.example.test/ca/", uri.AbsoluteUri, StringComparison.Ordinal);
        string segment = uri.AbsoluteUri["http://ocsp.example.test/ca/".Length..];
        Assert.Equal(s_request, Convert.FromBase64String(Uri.UnescapeDataString(segment)));
    }

    [Fact]
    public void Trailing_slash_is_not_doubled()
    {
        Assert.True(OcspClient.TryBuildGetUri(new Uri("http://ocsp.example.test/"), s_request, out Uri? uri));

        Assert.DoesNotContain("//", uri.AbsoluteUri["http://".Length..], StringComparison.Ordinal);
    }

    [Fact]
    public void Url_over_255_bytes_uses_post()
    {
        var longBase = new Uri("http://ocsp.example.test/" + new string('p', 150));

        Assert.False(OcspClient.TryBuildGetUri(longBase, s_request, out _));
    }

    [Fact]
    public void Large_request_uses_post_even_with_short_url()
    {
        Assert.False(OcspClient.TryBuildGetUri(new Uri("http://o.test"), new byte[200], out _));
    }

    [Fact]
    public void Url_with_query_uses_post()
    {
        Assert.False(OcspClient.TryBuildGetUri(new Uri("http://o.test/ocsp?x=1"), s_request, out _));
    }

    [Fact]
    public void Get_boundary_is_inclusive_at_255()
    {
        // Find the base length where the GET URL is exactly 255 bytes, then one more.
        string prefix = "http://o.test/";
        string encoded = Uri.EscapeDataString(Convert.ToBase64String(s_request));
        int pad = OcspClient.MaxGetUrlLength - prefix.Length - 1 - encoded.Length;

        Assert.True(OcspClient.TryBuildGetUri(new Uri(prefix + new string('a', pad)), s_request, out Uri? exact));
        Assert.Equal(OcspClient.MaxGetUrlLength, exact.AbsoluteUri.Length);
        Assert.False(OcspClient.TryBuildGetUri(new Uri(prefix + new string('a', pad + 1)), s_request, out _));
    }

    [Fact]
    public async Task Get_request_is_answered()
    {
        await using var server = new LoopbackHttpServer((_, stream, ct) => LoopbackHttpServer.RespondAsync(stream, 200, OcspResponse, s_response, ct));
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromSeconds(5) });

        OcspFetchResult result = await client.FetchAsync(new Uri(server.BaseUri, "ocsp"), s_request);

        Assert.Equal(OcspFetchOutcome.Success, result.Outcome);
        Assert.True(result.UsedGet);
        Assert.False(result.IsUnexpectedContentType);
        Assert.Equal(s_response, result.Body.ToArray());
        LoopbackRequest request = Assert.Single(server.Requests);
        Assert.Equal("GET", request.Method);
        Assert.StartsWith("/ocsp/", request.Target, StringComparison.Ordinal);
        Assert.Equal(s_request, Convert.FromBase64String(Uri.UnescapeDataString(request.Target["/ocsp/".Length..])));
    }

    [Fact]
    public async Task Post_request_is_answered()
    {
        await using var server = new LoopbackHttpServer((_, stream, ct) => LoopbackHttpServer.RespondAsync(stream, 200, OcspResponse, s_response, ct));
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromSeconds(5) });
        var uri = new Uri(server.BaseUri, new string('p', 200));

        OcspFetchResult result = await client.FetchAsync(uri, s_request);

        Assert.Equal(OcspFetchOutcome.Success, result.Outcome);
        Assert.False(result.UsedGet);
        Assert.Equal(s_response, result.Body.ToArray());
        LoopbackRequest request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("application/ocsp-request", request.Headers["Content-Type"]);
        Assert.Equal(s_request, request.Body);
    }

    [Fact]
    public async Task Fetch_for_leaf_uses_override_url()
    {
        await using var server = new LoopbackHttpServer((_, stream, ct) => LoopbackHttpServer.RespondAsync(stream, 200, OcspResponse, s_response, ct));
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromSeconds(5) });
        using X509Certificate2 leaf = OcspVectors.Certificate("request-leaf.der");
        using X509Certificate2 issuer = OcspVectors.Certificate("request-issuer.der");

        OcspFetchResult result = await client.FetchAsync(leaf, OcspCertId.Create(leaf, issuer), server.BaseUri);

        Assert.Equal(OcspFetchOutcome.Success, result.Outcome);
        Assert.Equal(s_request, Convert.FromBase64String(Uri.UnescapeDataString(Assert.Single(server.Requests).Target[1..])));
    }

    [Fact]
    public async Task Leaf_without_aia_has_no_responder()
    {
        using var client = new OcspClient();
        using X509Certificate2 leaf = OcspVectors.FakeLeaf("01", new X500DistinguishedName("CN=Issuer"), DateTimeOffset.UtcNow.AddDays(30));

        OcspFetchResult result = await client.FetchAsync(leaf, OcspCertId.Create(leaf, leaf));

        Assert.Equal(OcspFetchOutcome.NoResponderUrl, result.Outcome);
    }

    [Fact]
    public async Task Server_error_reports_status_code()
    {
        await using var server = new LoopbackHttpServer((_, stream, ct) => LoopbackHttpServer.RespondAsync(stream, 500, "text/plain", "boom"u8.ToArray(), ct));
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromSeconds(5) });

        OcspFetchResult result = await client.FetchAsync(server.BaseUri, s_request);

        Assert.Equal(OcspFetchOutcome.HttpError, result.Outcome);
        Assert.Equal(500, result.StatusCode);
        Assert.Contains("500", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Garbage_with_wrong_content_type_is_fetched_and_noted_then_rejected_by_validator()
    {
        byte[] garbage = Encoding.ASCII.GetBytes("<html>not ocsp</html>");
        await using var server = new LoopbackHttpServer((_, stream, ct) => LoopbackHttpServer.RespondAsync(stream, 200, "text/html", garbage, ct));
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromSeconds(5) });
        using X509Certificate2 leaf = OcspVectors.Certificate("request-leaf.der");
        using X509Certificate2 issuer = OcspVectors.Certificate("request-issuer.der");

        OcspFetchResult result = await client.FetchAsync(server.BaseUri, s_request);

        Assert.Equal(OcspFetchOutcome.Success, result.Outcome);
        Assert.True(result.IsUnexpectedContentType);
        Assert.Equal("text/html", result.ContentType);
        Assert.Equal(OcspRejectReason.Malformed, new OcspResponseValidator(leaf, issuer).Validate(result.Body).RejectReason);
    }

    [Fact]
    public async Task Missing_content_type_is_tolerated_and_noted()
    {
        await using var server = new LoopbackHttpServer((_, stream, ct) => LoopbackHttpServer.RespondAsync(stream, 200, null, s_response, ct));
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromSeconds(5) });

        OcspFetchResult result = await client.FetchAsync(server.BaseUri, s_request);

        Assert.Equal(OcspFetchOutcome.Success, result.Outcome);
        Assert.True(result.IsUnexpectedContentType);
    }

    [Fact]
    public async Task Empty_body_is_reported()
    {
        await using var server = new LoopbackHttpServer((_, stream, ct) => LoopbackHttpServer.RespondAsync(stream, 200, OcspResponse, [], ct));
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromSeconds(5) });

        OcspFetchResult result = await client.FetchAsync(server.BaseUri, s_request);

        Assert.Equal(OcspFetchOutcome.EmptyResponse, result.Outcome);
    }

    [Fact]
    public async Task Declared_huge_body_is_rejected_before_reading()
    {
        await using var server = new LoopbackHttpServer(async (_, stream, ct) =>
        {
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/ocsp-response\r\nContent-Length: 104857600\r\n\r\n"u8.ToArray(), ct);
            await stream.WriteAsync(new byte[1024], ct);
            await Task.Delay(TimeSpan.FromSeconds(10), ct);
        });
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromSeconds(5), MaxResponseBytes = 64 * 1024 });

        OcspFetchResult result = await client.FetchAsync(server.BaseUri, s_request);

        Assert.Equal(OcspFetchOutcome.TooLarge, result.Outcome);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task Undeclared_huge_body_is_cut_off_at_the_cap()
    {
        await using var server = new LoopbackHttpServer(async (_, stream, ct) =>
        {
            // No Content-Length: the body runs until the connection closes, and would run for 10 MiB.
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/ocsp-response\r\n\r\n"u8.ToArray(), ct);
            byte[] chunk = new byte[16 * 1024];
            for (int i = 0; i < 640; i++)
            {
                await stream.WriteAsync(chunk, ct);
            }
        });
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromSeconds(5), MaxResponseBytes = 64 * 1024 });

        OcspFetchResult result = await client.FetchAsync(server.BaseUri, s_request);

        Assert.Equal(OcspFetchOutcome.TooLarge, result.Outcome);
    }

    [Fact]
    public async Task Body_exactly_at_the_cap_is_accepted()
    {
        byte[] body = new byte[1000];
        await using var server = new LoopbackHttpServer((_, stream, ct) => LoopbackHttpServer.RespondAsync(stream, 200, OcspResponse, body, ct));
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromSeconds(5), MaxResponseBytes = 1000 });

        OcspFetchResult result = await client.FetchAsync(server.BaseUri, s_request);

        Assert.Equal(OcspFetchOutcome.Success, result.Outcome);
        Assert.Equal(1000, result.Body.Length);
    }

    [Fact]
    public async Task Trickled_body_hits_the_overall_timeout()
    {
        await using var server = new LoopbackHttpServer(async (_, stream, ct) =>
        {
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/ocsp-response\r\nContent-Length: 1000\r\n\r\n"u8.ToArray(), ct);
            for (int i = 0; i < 1000; i++)
            {
                await stream.WriteAsync(new byte[1], ct);
                await stream.FlushAsync(ct);
                await Task.Delay(50, ct);
            }
        });
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromMilliseconds(400) });
        var stopwatch = Stopwatch.StartNew();

        OcspFetchResult result = await client.FetchAsync(server.BaseUri, s_request);

        Assert.Equal(OcspFetchOutcome.Timeout, result.Outcome);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Silent_server_hits_the_timeout()
    {
        await using var server = new LoopbackHttpServer((_, _, ct) => Task.Delay(TimeSpan.FromSeconds(10), ct));
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromMilliseconds(300) });

        OcspFetchResult result = await client.FetchAsync(server.BaseUri, s_request);

        Assert.Equal(OcspFetchOutcome.Timeout, result.Outcome);
    }

    [Fact]
    public async Task Caller_cancellation_is_reported_as_cancelled()
    {
        await using var server = new LoopbackHttpServer((_, _, ct) => Task.Delay(TimeSpan.FromSeconds(10), ct));
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromSeconds(5) });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        OcspFetchResult result = await client.FetchAsync(server.BaseUri, s_request, cts.Token);

        Assert.Equal(OcspFetchOutcome.Canceled, result.Outcome);
    }

    [Fact]
    public async Task Redirects_are_followed_within_the_limit()
    {
        await using var server = new LoopbackHttpServer((request, stream, ct) =>
            request.Target.StartsWith("/final", StringComparison.Ordinal)
                ? LoopbackHttpServer.RespondAsync(stream, 200, OcspResponse, s_response, ct)
                : request.Target.StartsWith("/hop1", StringComparison.Ordinal)
                    ? LoopbackHttpServer.RedirectAsync(stream, "/hop2", ct)
                    : request.Target.StartsWith("/hop2", StringComparison.Ordinal)
                        ? LoopbackHttpServer.RedirectAsync(stream, "/hop3", ct)
                        : LoopbackHttpServer.RedirectAsync(stream, "/final", ct));
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromSeconds(5), MaxRedirects = 3 });

        // A query forces POST, so the body must survive every hop.
        OcspFetchResult result = await client.FetchAsync(new Uri(server.BaseUri, "hop1?post=1"), s_request);

        Assert.Equal(OcspFetchOutcome.Success, result.Outcome);
        Assert.Equal(3, result.Redirects);
        Assert.All(server.Requests, r => Assert.Equal("POST", r.Method));
        Assert.All(server.Requests, r => Assert.Equal(s_request, r.Body));
    }

    [Fact]
    public async Task Too_many_redirects_end_with_redirect_limit()
    {
        int hop = 0;
        await using var server = new LoopbackHttpServer((_, stream, ct) => LoopbackHttpServer.RedirectAsync(stream, $"/hop{Interlocked.Increment(ref hop)}", ct));
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromSeconds(5), MaxRedirects = 3 });

        OcspFetchResult result = await client.FetchAsync(server.BaseUri, s_request);

        Assert.Equal(OcspFetchOutcome.RedirectLimit, result.Outcome);
        Assert.Equal(4, server.Requests.Count);
    }

    [Fact]
    public async Task Redirect_loop_ends_with_a_clear_error()
    {
        await using var server = new LoopbackHttpServer((request, stream, ct) =>
            LoopbackHttpServer.RedirectAsync(stream, request.Target == "/a" ? "/b" : "/a", ct));
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromSeconds(5), MaxRedirects = 10 });

        OcspFetchResult result = await client.FetchAsync(new Uri(server.BaseUri, "a?post=1"), s_request);

        Assert.Equal(OcspFetchOutcome.RedirectLimit, result.Outcome);
        Assert.Contains("loop", result.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Redirect_to_another_scheme_is_refused()
    {
        await using var server = new LoopbackHttpServer((_, stream, ct) => LoopbackHttpServer.RedirectAsync(stream, "file:///etc/passwd", ct));
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromSeconds(5) });

        OcspFetchResult result = await client.FetchAsync(server.BaseUri, s_request);

        Assert.Equal(OcspFetchOutcome.HttpError, result.Outcome);
        Assert.Equal(302, result.StatusCode);
    }

    [Fact]
    public async Task Refused_connection_is_a_network_error()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new OcspClient(new OcspClientOptions { Timeout = TimeSpan.FromSeconds(5) });

        OcspFetchResult result = await client.FetchAsync(new Uri($"http://127.0.0.1:{port}/"), s_request);

        Assert.Equal(OcspFetchOutcome.NetworkError, result.Outcome);
    }

    [Fact]
    public void Responder_url_prefers_override_then_http_aia()
    {
        using X509Certificate2 leaf = OcspVectors.Certificate("request-leaf.der");
        var overrideUri = new Uri("http://127.0.0.1:1/");

        Assert.Equal(overrideUri, OcspClient.SelectResponderUri(leaf, overrideUri));
        Assert.Equal(new Uri("http://ocsp.verisign.com"), OcspClient.SelectResponderUri(leaf));
    }

    [Fact]
    public void Must_staple_is_read_from_tls_feature_extension()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=must-staple.test", key, HashAlgorithmName.SHA256);
        // TLS Feature: SEQUENCE { INTEGER 5 }
        request.CertificateExtensions.Add(new X509Extension("1.3.6.1.5.5.7.1.24", [0x30, 0x03, 0x02, 0x01, 0x05], critical: false));
        using X509Certificate2 mustStaple = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using X509Certificate2 plain = OcspVectors.Certificate("request-leaf.der");

        Assert.True(OcspCertificateInfo.IsMustStaple(mustStaple));
        Assert.Equal([5], OcspCertificateInfo.GetTlsFeatures(mustStaple));
        Assert.False(OcspCertificateInfo.IsMustStaple(plain));
        Assert.Empty(OcspCertificateInfo.GetTlsFeatures(plain));
    }
}
