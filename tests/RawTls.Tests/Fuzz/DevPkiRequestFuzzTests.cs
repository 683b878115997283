using System.Net.Http.Headers;
using System.Text;
using RawTls.DevPki;
using RawTls.Ocsp;
using RawTls.Tests.DevPki;

namespace RawTls.Tests.Fuzz;

/// <summary>
/// Mutation fuzzing of the DevPki OCSP responder's request decoding: the GET path (base64 in the path, URL-safe or
/// percent-encoded, behind a path prefix or an absolute URI), the request head parser, and POST bodies over a real
/// socket. Nothing escapes, nothing is slow, and the responder keeps answering.
/// </summary>
[Trait("Category", "Fuzz")]
public class DevPkiRequestFuzzTests
{
    private static readonly Lazy<(DevCertificateAuthority Ca, byte[] Request, byte[] NonceRequest)> s_pki = new(() =>
    {
        var ca = DevCertificateAuthority.Create();
        return (ca, OcspTestClient.Request(ca.Leaf, ca.Intermediate), OcspTestClient.Request(ca.Leaf, ca.Intermediate, [1, 2, 3, 4, 5, 6, 7, 8]));
    });

    private static List<byte[]> GetSeeds()
    {
        (_, byte[] request, byte[] nonce) = s_pki.Value;
        string b64 = Convert.ToBase64String(request);
        string b64n = Convert.ToBase64String(nonce);
        return [.. new[]
        {
            "/" + b64,
            "/" + Uri.EscapeDataString(b64n),
            "/ocsp/" + b64.Replace('+', '-').Replace('/', '_').TrimEnd('='),
            "http://127.0.0.1:8080/ocsp/sub/" + Uri.EscapeDataString(b64),
            "/" + b64 + "?cache=1",
            "/a/b/c/d/e/f/g/h/" + b64n,
        }.Select(Encoding.Latin1.GetBytes)];
    }

    [Fact]
    public void Unmutated_seeds_decode_to_the_request()
    {
        (_, byte[] request, byte[] nonce) = s_pki.Value;
        foreach (byte[] seed in GetSeeds())
        {
            byte[]? der = OcspRequestDecoder.DecodeGetTarget(Encoding.Latin1.GetString(seed));
            Assert.NotNull(der);
            Assert.True(der.AsSpan().SequenceEqual(request) || der.AsSpan().SequenceEqual(nonce), Encoding.Latin1.GetString(seed));
        }
    }

    [Fact]
    public void Mutated_GET_targets_decode_or_return_null_quickly()
    {
        long count = FuzzHarness.Run("devpki-get", Mutator.Text(GetSeeds(), ["/", "%", "%2F", "%2", "=", "==", "-", "_", "+", "?", "://", "http://", "/x", "%ZZ", "\u00e9"]), static input =>
        {
            string target = Encoding.Latin1.GetString(input);
            byte[]? der = OcspRequestDecoder.DecodeGetTarget(target);
            Assert.True(der is null || der.Length > 0);
        }, new FuzzLimits { SlowInput = TimeSpan.FromMilliseconds(50) });

        Assert.True(count > 100, $"only {count} inputs ran");
    }

    [Fact]
    public void A_target_of_many_slashes_within_the_head_limit_is_decoded_in_bounded_time()
    {
        // Every leading segment is retried as base64: 16 KiB of "/a" must not cost quadratic time.
        string target = string.Concat(Enumerable.Repeat("/AAAA", 16 * 1024 / 5));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        OcspRequestDecoder.DecodeGetTarget(target);
        TimeSpan first = sw.Elapsed;
        sw.Restart();
        OcspRequestDecoder.DecodeGetTarget(target);
        TimeSpan fastest = first < sw.Elapsed ? first : sw.Elapsed;
        Assert.True(fastest < TimeSpan.FromMilliseconds(50), $"decoding took {fastest.TotalMilliseconds:F1} ms");
    }

    [Fact]
    public async Task Mutated_POST_bodies_get_an_OCSP_answer_and_the_responder_keeps_serving()
    {
        (DevCertificateAuthority ca, byte[] request, byte[] nonce) = s_pki.Value;
        await using OcspResponder responder = OcspResponder.Start(ca);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        // Each body is one POST over a real socket, inside the harness (its watchdog catches a hang).
        FuzzHarness.Run("devpki-post", Mutator.Der([request, nonce], [ca.Leaf.RawData]), body =>
        {
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
                using HttpResponseMessage response = http.PostAsync(responder.Url, content).GetAwaiter().GetResult();
                byte[] answer = response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
                Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
                var ocsp = new Org.BouncyCastle.Ocsp.OcspResp(answer);
                Assert.True(ocsp.Status is 0 or 1 or 6, $"status {ocsp.Status}"); // successful, malformedRequest, or unauthorized (not our issuer)
            }
            catch (Exception ex) when (ex is HttpRequestException or Xunit.Sdk.XunitException or IOException)
            {
                throw new InvalidOperationException($"POST of a {body.Length}-byte body failed: {Convert.ToHexString(body)}", ex);
            }
        }, new FuzzLimits { MaxInputs = 60, SlowInput = TimeSpan.FromSeconds(1) });

        Assert.Equal(OcspCertificateStatus.Good, OcspTestClient.Status(await OcspTestClient.PostAsync(http, responder.Url, request), ca.Intermediate));
    }
}
