using OcspRevocationReason = RawTls.Ocsp.OcspRevocationReason;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Ocsp;
using RawTls.DevPki;
using OcspCertificateStatus = RawTls.Ocsp.OcspCertificateStatus;

namespace RawTls.Tests.DevPki;

public class OcspResponderTests
{
    private static HttpClient NewClient(bool redirects = true) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = redirects, MaxAutomaticRedirections = 5 }) { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Get_and_post_report_good_then_revoked_then_unknown()
    {
        using var ca = DevCertificateAuthority.Create();
        await using var responder = OcspResponder.Start(ca);
        using var http = NewClient();
        Assert.Equal($"http://127.0.0.1:{responder.Port}/", responder.Url.ToString());

        byte[] request = OcspTestClient.Request(ca.Leaf, ca.Intermediate);
        Assert.Equal(OcspCertificateStatus.Good, OcspTestClient.Status(await OcspTestClient.PostAsync(http, responder.Url, request), ca.Intermediate));
        Assert.Equal(OcspCertificateStatus.Good, OcspTestClient.Status(await OcspTestClient.GetAsync(http, responder.Url, request), ca.Intermediate));
        Assert.Equal(request, responder.LastRequest);

        ca.Revoke(ca.Leaf.SerialNumber, OcspRevocationReason.Superseded);
        byte[] revoked = await OcspTestClient.GetAsync(http, responder.Url, request);
        Assert.Equal(OcspCertificateStatus.Revoked, OcspTestClient.Status(revoked, ca.Intermediate));
        var rs = (RevokedStatus)OcspTestClient.Basic(revoked).Responses[0].GetCertStatus();
        Assert.Equal((int)OcspRevocationReason.Superseded, rs.RevocationReason);

        byte[] unknown = await OcspTestClient.PostAsync(http, responder.Url, OcspTestClient.Request(ca.Intermediate, "0123456789"));
        Assert.Equal(OcspCertificateStatus.Unknown, OcspTestClient.Status(unknown, ca.Intermediate));
        Assert.Equal(4, responder.RequestCount);
    }

    [Fact]
    public async Task Response_times_nonce_and_signer()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero));
        using var ca = DevCertificateAuthority.Create(new DevPkiOptions { TimeProvider = time });
        await using var responder = OcspResponder.Start(ca, new OcspResponderOptions { TimeProvider = time, Validity = TimeSpan.FromHours(2) });
        using var http = NewClient();

        byte[] nonce = [1, 2, 3, 4, 5, 6, 7, 8];
        BasicOcspResp basic = OcspTestClient.Basic(await OcspTestClient.PostAsync(http, responder.Url, OcspTestClient.Request(ca.Leaf, ca.Intermediate, nonce)));
        SingleResp single = basic.Responses[0];
        Assert.Equal(time.GetUtcNow().UtcDateTime, basic.ProducedAt);
        Assert.Equal(time.GetUtcNow().UtcDateTime.AddMinutes(-1), single.ThisUpdate);
        Assert.Equal(time.GetUtcNow().UtcDateTime.AddHours(2), single.NextUpdate);
        Assert.True(basic.Verify(BouncyCastleInterop.PublicKeyOf(ca.Intermediate)));
        Assert.False(basic.Verify(BouncyCastleInterop.PublicKeyOf(ca.Root)));
        var echoed = basic.ResponseExtensions.GetExtension(OcspObjectIdentifiers.PkixOcspNonce);
        Assert.Equal(new Org.BouncyCastle.Asn1.DerOctetString(nonce).GetEncoded(), echoed.Value.GetOctets());
    }

    [Fact]
    public async Task Malformed_and_unauthorized()
    {
        using var ca = DevCertificateAuthority.Create();
        using var other = DevCertificateAuthority.Create();
        await using var responder = OcspResponder.Start(ca);
        using var http = NewClient();

        using var garbage = new ByteArrayContent([1, 2, 3]);
        garbage.Headers.ContentType = new("application/ocsp-request");
        using HttpResponseMessage bad = await http.PostAsync(responder.Url, garbage);
        Assert.Equal(OcspRespStatus.MalformedRequest, new OcspResp(await bad.Content.ReadAsByteArrayAsync()).Status);

        byte[] foreign = await OcspTestClient.PostAsync(http, responder.Url, OcspTestClient.Request(other.Leaf, other.Intermediate));
        Assert.Equal(OcspRespStatus.Unauthorized, new OcspResp(foreign).Status);

        // The root answers for the intermediate.
        Assert.Equal(OcspCertificateStatus.Good, OcspTestClient.Status(
            await OcspTestClient.PostAsync(http, responder.Url, OcspTestClient.Request(ca.Intermediate, ca.Root)), ca.Root));
    }

    [Fact]
    public void Get_target_decoding_tolerates_encodings()
    {
        using var ca = DevCertificateAuthority.Create();
        byte[] request = OcspTestClient.Request(ca.Leaf, ca.Intermediate);
        string b64 = Convert.ToBase64String(request);
        Assert.Equal(request, OcspRequestDecoder.DecodeGetTarget("/" + Uri.EscapeDataString(b64)));
        Assert.Equal(request, OcspRequestDecoder.DecodeGetTarget("/" + b64));
        Assert.Equal(request, OcspRequestDecoder.DecodeGetTarget("/ocsp/" + b64));
        Assert.Equal(request, OcspRequestDecoder.DecodeGetTarget("http://127.0.0.1:1/" + b64.Replace("+", "%2b", StringComparison.Ordinal)));
        Assert.Null(OcspRequestDecoder.DecodeGetTarget("/"));
    }

    [Fact]
    public async Task Raw_socket_keep_alive_pipelining_and_limits()
    {
        using var ca = DevCertificateAuthority.Create();
        await using var responder = OcspResponder.Start(ca, new OcspResponderOptions { MaxHeaderBytes = 1024 });
        string b64 = Convert.ToBase64String(OcspTestClient.Request(ca.Leaf, ca.Intermediate));
        string get = $"GET /{b64} HTTP/1.1\r\nHost: x\r\n\r\n";

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, responder.Port);
            NetworkStream s = client.GetStream();
            await s.WriteAsync(Encoding.ASCII.GetBytes(get + get.Replace("HTTP/1.1\r\n", "HTTP/1.1\r\nConnection: close\r\n", StringComparison.Ordinal)));
            string all = Encoding.Latin1.GetString(await ReadToEndAsync(s));
            Assert.Equal(2, all.Split("HTTP/1.1 200 OK").Length - 1);
            Assert.Contains("Connection: close", all, StringComparison.Ordinal);
        }

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, responder.Port);
            NetworkStream s = client.GetStream();
            await s.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nX: " + new string('a', 2000) + "\r\n\r\n"));
            Assert.StartsWith("HTTP/1.1 431", Encoding.Latin1.GetString(await ReadToEndAsync(s)), StringComparison.Ordinal);
        }

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, responder.Port);
            NetworkStream s = client.GetStream();
            await s.WriteAsync("DELETE / HTTP/1.0\r\n\r\n"u8.ToArray());
            Assert.StartsWith("HTTP/1.1 405", Encoding.Latin1.GetString(await ReadToEndAsync(s)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Many_concurrent_clients()
    {
        using var ca = DevCertificateAuthority.Create();
        await using var responder = OcspResponder.Start(ca);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(20) };
        byte[] request = OcspTestClient.Request(ca.Leaf, ca.Intermediate);
        var tasks = Enumerable.Range(0, 200).Select(i => i % 2 == 0
            ? OcspTestClient.PostAsync(http, responder.Url, request)
            : OcspTestClient.GetAsync(http, responder.Url, request));
        foreach (byte[] r in await Task.WhenAll(tasks))
        {
            Assert.Equal(OcspCertificateStatus.Good, OcspTestClient.Status(r, ca.Intermediate));
        }

        Assert.Equal(200, responder.RequestCount);
    }

    [Fact]
    public async Task Fault_http_500_body_and_prebuilt_response()
    {
        using var ca = DevCertificateAuthority.Create();
        await using var responder = OcspResponder.Start(ca);
        using var http = NewClient();
        byte[] request = OcspTestClient.Request(ca.Leaf, ca.Intermediate);

        responder.FaultHook = _ => OcspFault.Status(500);
        using (var content = new ByteArrayContent(request))
        using (HttpResponseMessage r = await http.PostAsync(responder.Url, content))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        }

        byte[] huge = new byte[10 * 1024 * 1024];
        huge.AsSpan().Fill(0x5A);
        responder.FaultHook = _ => OcspFault.RawBody(huge);
        Assert.Equal(huge.Length, (await OcspTestClient.PostAsync(http, responder.Url, request)).Length);

        byte[] prebuilt = new OcspResponseBuilder().ForCertificate(ca.Leaf, ca.Intermediate).Revoked(DateTimeOffset.UtcNow).SignedByIssuer(ca.Intermediate).Build();
        responder.FaultHook = ctx => ctx.Serials.Contains(DevCertificateAuthority.NormalizeSerial(ca.Leaf.SerialNumber)) ? OcspFault.Response(prebuilt) : null;
        Assert.Equal(prebuilt, await OcspTestClient.PostAsync(http, responder.Url, request));

        responder.FaultHook = null;
        Assert.Equal(OcspCertificateStatus.Good, OcspTestClient.Status(await OcspTestClient.PostAsync(http, responder.Url, request), ca.Intermediate));
    }

    [Fact]
    public async Task Fault_delay_is_observed_and_stop_is_prompt()
    {
        using var ca = DevCertificateAuthority.Create();
        var responder = OcspResponder.Start(ca);
        using var http = NewClient();
        byte[] request = OcspTestClient.Request(ca.Leaf, ca.Intermediate);

        responder.FaultHook = _ => OcspFault.Delayed(TimeSpan.FromMilliseconds(300));
        var sw = Stopwatch.StartNew();
        Assert.Equal(OcspCertificateStatus.Good, OcspTestClient.Status(await OcspTestClient.PostAsync(http, responder.Url, request), ca.Intermediate));
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(280), sw.Elapsed.ToString());

        // A request stuck in a long delay must not hold up shutdown.
        responder.FaultHook = _ => OcspFault.Delayed(TimeSpan.FromMinutes(5));
        Task<byte[]> pending = OcspTestClient.PostAsync(http, responder.Url, request);
        await WaitUntilAsync(() => responder.RequestCount == 2);
        sw.Restart();
        await responder.DisposeAsync();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), sw.Elapsed.ToString());
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => pending);
    }

    [Fact]
    public async Task Fault_redirect_drop_and_loop()
    {
        using var ca = DevCertificateAuthority.Create();
        await using var responder = OcspResponder.Start(ca);
        byte[] request = OcspTestClient.Request(ca.Leaf, ca.Intermediate);
        string getPath = Uri.EscapeDataString(Convert.ToBase64String(request));

        // One redirect to the real answer: HttpClient follows it.
        responder.FaultHook = ctx => ctx.Target.StartsWith("/r/", StringComparison.Ordinal) ? OcspFault.Redirect("/" + getPath) : null;
        using (var http = NewClient())
        {
            byte[] body = await OcspTestClient.GetAsync(http, new Uri(responder.Url, "r/"), request);
            Assert.Equal(OcspCertificateStatus.Good, OcspTestClient.Status(body, ca.Intermediate));
        }

        // Redirect to itself forever: the client gives up.
        responder.FaultHook = ctx => OcspFault.Redirect(ctx.Target, 307);
        using (var http = NewClient(redirects: false))
        using (HttpResponseMessage r = await http.GetAsync(new Uri(responder.Url, getPath)))
        {
            Assert.Equal(HttpStatusCode.TemporaryRedirect, r.StatusCode);
            Assert.Equal("/" + getPath, r.Headers.Location?.OriginalString);
        }

        // A following client stops after its redirect limit (5) and surfaces the last 3xx.
        long before = responder.RequestCount;
        using (var http = NewClient())
        using (HttpResponseMessage r = await http.GetAsync(new Uri(responder.Url, getPath)))
        {
            Assert.Equal(HttpStatusCode.TemporaryRedirect, r.StatusCode);
            Assert.Equal(6, responder.RequestCount - before);
        }

        responder.FaultHook = _ => OcspFault.Drop();
        using (var http = NewClient())
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => OcspTestClient.PostAsync(http, responder.Url, request));
        }
    }

    [Fact]
    public async Task Oversized_body_wrong_content_type_and_throwing_hook()
    {
        using var ca = DevCertificateAuthority.Create();
        await using var responder = OcspResponder.Start(ca, new OcspResponderOptions { MaxRequestBodyBytes = 100 });
        using var http = NewClient();

        using (var big = new ByteArrayContent(new byte[1000]))
        using (HttpResponseMessage r = await http.PostAsync(responder.Url, big))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        }

        using (var text = new StringContent("hello"))
        using (HttpResponseMessage r = await http.PostAsync(responder.Url, text))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.StatusCode);
        }

        responder.FaultHook = _ => throw new InvalidOperationException("boom");
        using (var content = new ByteArrayContent(OcspTestClient.Request(ca.Leaf, ca.Intermediate)))
        using (HttpResponseMessage r = await http.PostAsync(responder.Url, content))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        }
    }

    private static async Task<byte[]> ReadToEndAsync(NetworkStream s)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var ms = new MemoryStream();
        await s.CopyToAsync(ms, cts.Token);
        return ms.ToArray();
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), "timed out waiting");
            await Task.Delay(10);
        }
    }
}
