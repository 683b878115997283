using RawTls.Ocsp;
using RawTls.DevPki;

namespace RawTls.Tests.DevPki;

public class OpenSslOcspTests
{
    [Theory]
    [InlineData(DevKeyAlgorithm.EcdsaP256)]
    [InlineData(DevKeyAlgorithm.Rsa2048)]
    public async Task Openssl_ocsp_reports_good_then_revoked(DevKeyAlgorithm keyAlgorithm)
    {
        using var dir = new TempDir();
        using var ca = DevCertificateAuthority.Create(dir.Path, new DevPkiOptions { KeyAlgorithm = keyAlgorithm });
        await using var responder = OcspResponder.Start(ca);
        string[] args =
        [
            "ocsp", "-issuer", dir.Combine("intermediate.pem"), "-cert", dir.Combine("leaf.pem"),
            "-url", responder.Url.ToString(), "-CAfile", dir.Combine("root.pem"), "-resp_text", "-timeout", "10",
        ];

        var (code, output) = await OpenSslInterop.RunAsync(args);
        Assert.True(code == 0, output);
        Assert.Contains("Response verify OK", output, StringComparison.Ordinal);
        Assert.Contains(": good", output, StringComparison.Ordinal);

        ca.Revoke(ca.Leaf.SerialNumber, OcspRevocationReason.KeyCompromise);
        (code, output) = await OpenSslInterop.RunAsync(args);
        Assert.True(code == 0, output);
        Assert.Contains(": revoked", output, StringComparison.Ordinal);
        Assert.Contains("keyCompromise", output, StringComparison.Ordinal);
    }
}
