using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Ocsp;
using RawTls.DevPki;
using OcspCertificateStatus = RawTls.Ocsp.OcspCertificateStatus;
using X509Extension = Org.BouncyCastle.Asn1.X509.X509Extension;

namespace RawTls.Tests.DevPki;

/// <summary>Builds OCSP requests and reads responses with BouncyCastle for the tests.</summary>
internal static class OcspTestClient
{
    public static byte[] Request(X509Certificate2 issuer, string serialHex, byte[]? nonce = null)
    {
        var gen = new OcspReqGenerator();
        gen.AddRequest(new CertificateID(CertificateID.DigestSha1, BouncyCastleInterop.ToBouncyCastle(issuer), new BigInteger(serialHex, 16)));
        if (nonce is not null)
        {
            gen.SetRequestExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, X509Extension>
            {
                [OcspObjectIdentifiers.PkixOcspNonce] = new X509Extension(false, new DerOctetString(new DerOctetString(nonce))),
            }));
        }

        return gen.Generate().GetEncoded();
    }

    public static byte[] Request(X509Certificate2 cert, X509Certificate2 issuer, byte[]? nonce = null) => Request(issuer, cert.SerialNumber, nonce);

    public static async Task<byte[]> PostAsync(HttpClient http, Uri url, byte[] request)
    {
        using var content = new ByteArrayContent(request);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
        using HttpResponseMessage resp = await http.PostAsync(url, content);
        Assert.Equal(System.Net.HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("application/ocsp-response", resp.Content.Headers.ContentType?.MediaType);
        return await resp.Content.ReadAsByteArrayAsync();
    }

    public static async Task<byte[]> GetAsync(HttpClient http, Uri url, byte[] request)
    {
        using HttpResponseMessage resp = await http.GetAsync(new Uri(url, Uri.EscapeDataString(Convert.ToBase64String(request))));
        Assert.Equal(System.Net.HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("application/ocsp-response", resp.Content.Headers.ContentType?.MediaType);
        return await resp.Content.ReadAsByteArrayAsync();
    }

    public static BasicOcspResp Basic(byte[] response)
    {
        var resp = new OcspResp(response);
        Assert.Equal(OcspRespStatus.Successful, resp.Status);
        return (BasicOcspResp)resp.GetResponseObject();
    }

    /// <summary>Single status of a response signed by <paramref name="signer"/> (signature verified).</summary>
    public static OcspCertificateStatus Status(byte[] response, X509Certificate2 signer)
    {
        BasicOcspResp basic = Basic(response);
        Assert.True(basic.Verify(BouncyCastleInterop.PublicKeyOf(signer)), "OCSP signature must verify");
        object? status = Assert.Single(basic.Responses).GetCertStatus();
        return status switch
        {
            null => OcspCertificateStatus.Good,
            RevokedStatus => OcspCertificateStatus.Revoked,
            UnknownStatus => OcspCertificateStatus.Unknown,
            _ => throw new InvalidOperationException("unexpected status " + status),
        };
    }
}
