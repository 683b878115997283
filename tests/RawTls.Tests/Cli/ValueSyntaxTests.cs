using System.Net;
using RawTls.Cli.Commands;
using RawTls.Cli.Commands.Operations;

namespace RawTls.Tests.Cli;

/// <summary>The value syntaxes of the command line, as pure functions.</summary>
public sealed class ValueSyntaxTests
{
    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("10s", 10)]
    [InlineData("5m", 300)]
    [InlineData("2h", 7200)]
    [InlineData("7d", 604800)]
    [InlineData("90", 90)]
    [InlineData("1.5s", 1.5)]
    [InlineData("0", 0)]
    public void Durations(string text, double seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), ValueSyntax.ParseDuration(text, "x"));

    [Theory]
    [InlineData("soon")]
    [InlineData("-1s")]
    [InlineData("10y")]
    [InlineData("")]
    public void Bad_durations_name_the_option(string text) =>
        Assert.StartsWith("--validity:", Assert.Throws<CommandLineException>(() => ValueSyntax.ParseDuration(text, "validity")).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("127.0.0.1:8443", "127.0.0.1", 8443)]
    [InlineData("localhost:0", "127.0.0.1", 0)]
    [InlineData("*:443", "0.0.0.0", 443)]
    [InlineData("0.0.0.0:443", "0.0.0.0", 443)]
    [InlineData("[::1]:8443", "::1", 8443)]
    public void Listen_endpoints(string text, string address, int port) =>
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), ValueSyntax.ParseEndPoint(text, "listen"));

    [Theory]
    [InlineData("8443")]
    [InlineData(":8443")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:-1")]
    [InlineData("host.test:80")]
    public void Bad_endpoints(string text) => Assert.Throws<CommandLineException>(() => ValueSyntax.ParseEndPoint(text, "listen"));

    [Theory]
    [InlineData("127.0.0.1:9000", true)]
    [InlineData("[::1]:9000", true)]
    [InlineData("localhost:0", true)]
    [InlineData("/run/rawtls/admin.sock", false)]
    [InlineData("admin.sock", false)]
    public void Admin_addresses_are_loopback_or_a_socket_path(string text, bool tcp)
    {
        AdminAddress a = AdminAddress.Parse(text, "admin");
        Assert.Equal(tcp, a.EndPoint is not null);
        Assert.Equal(!tcp, a.SocketPath is not null);
    }

    [Theory]
    [InlineData("0.0.0.0:9000")]
    [InlineData("10.0.0.1:9000")]
    [InlineData("admin")]
    public void Admin_refuses_the_network(string text) => Assert.Throws<CommandLineException>(() => AdminAddress.Parse(text, "admin"));

    [Theory]
    [InlineData(42, "42s")]
    [InlineData(312, "5m12s")]
    [InlineData(11040, "3h04m")]
    [InlineData(183600, "2d03h")]
    public void Status_ages_are_compact(double seconds, string text) => Assert.Equal(text, StatusTable.Duration(TimeSpan.FromSeconds(seconds)));
}
