using RawTls.Server;
using RawTls.Server.Internal;

namespace RawTls.Tests.Server;

public class InlinePolicyTests
{
    [Theory]
    [InlineData(true, ClientCertificateMode.NoCertificate, 1, 1, true)]
    [InlineData(true, ClientCertificateMode.NoCertificate, 2, 1, true)]
    [InlineData(true, ClientCertificateMode.NoCertificate, 8, 1, false)] // one engine thread would cap handshakes at one core
    [InlineData(true, ClientCertificateMode.NoCertificate, 8, 8, true)]
    [InlineData(true, ClientCertificateMode.RequireCertificate, 1, 1, false)] // user validation code runs in the handshake
    [InlineData(true, ClientCertificateMode.AllowCertificate, 1, 1, false)]
    [InlineData(false, ClientCertificateMode.NoCertificate, 1, 1, false)]
    public void Handshakes_run_inline_only_when_safe_and_not_a_bottleneck(bool adapter, ClientCertificateMode mode, int cores, int engines, bool expected)
        => Assert.Equal(expected, InlinePolicy.InlineHandshakes(adapter, mode, cores, engines));

    [Theory]
    [InlineData(null, false, 2, false, 1)]
    [InlineData(null, false, 64, false, 2)]
    [InlineData(null, false, 16, true, 2)]
    [InlineData(null, true, 6, false, 6)]
    [InlineData("3", false, 2, false, 3)]
    [InlineData("junk", false, 2, false, 1)]
    public void Socket_engine_count_follows_the_runtime_rule(string? variable, bool inlineVariable, int cores, bool arm, int expected)
        => Assert.Equal(expected, InlinePolicy.SocketEngines(variable, inlineVariable, cores, arm));
}
