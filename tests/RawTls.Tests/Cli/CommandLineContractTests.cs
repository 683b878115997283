namespace RawTls.Tests.Cli;

/// <summary>
/// The command line is a contract: every command, option, value syntax and exit code that users and
/// scripts rely on. These run the built <c>rawtls</c> as a process, as a user would.
/// </summary>
public sealed class CommandLineContractTests
{
    /// <summary>Every option of every command; help must list each (it is generated from the definitions).</summary>
    public static TheoryData<string, string[]> Commands => new()
    {
        { "serve", ["--listen", "--data-dir", "--cert", "--key", "--chain", "--cert-dir", "--protocol", "--handshake-timeout", "--idle-timeout", "--max-connections", "--max-handshakes", "--threads", "--ocsp-url", "--staple-cache", "--stapling", "--log-level", "--watch", "--tls", "--inline-completions", "--metrics", "--admin", "--proxy-protocol", "--proxy-trusted", "--staple-store", "--drain-delay"] },
        { "pki init", ["--dir", "--ocsp-url", "--key", "--must-staple"] },
        { "pki issue", ["--dir", "--name", "--out"] },
        { "pki revoke", ["--dir", "--serial"] },
        { "ocsp-responder", ["--pki", "--listen", "--validity"] },
        { "check", ["HOST:PORT", "--ca", "--servername", "--tls"] },
        { "status", ["--admin", "--json", "--timeout"] },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_on_every_command_lists_all_its_options(string command, string[] options)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync([.. command.Split(' '), "--help"]);
        Assert.True(code == 0, stderr);
        foreach (string option in options)
        {
            Assert.Contains(option, stdout, StringComparison.Ordinal);
        }
    }

    /// <summary>The exit codes are part of the contract, so help states them on every command, bare usage included.</summary>
    [Theory]
    [InlineData(0, "--help")]
    [InlineData(2)]
    [InlineData(0, "check", "--help")]
    [InlineData(0, "status", "-h")]
    [InlineData(0, "help", "pki", "revoke")]
    public async Task Help_states_the_exit_codes(int exitCode, params string[] args)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(args);
        Assert.True(code == exitCode, $"exit {code}\n{stderr}");
        Assert.Matches(@"(?m)^Exit codes:\r?$", stdout);
        Assert.Matches(@"(?m)^  0  success", stdout);
        Assert.Matches(@"(?m)^  1  the command failed", stdout);
        Assert.Matches(@"(?m)^  2  usage error", stdout);
        Assert.Matches(@"(?m)^  3  check or status cannot connect", stdout);
    }

    [Fact]
    public async Task Serve_help_shows_defaults_as_typed()
    {
        var (_, stdout, _) = await CliProcess.RunAsync("serve", "-h");
        Assert.Contains("[default: 10s]", stdout, StringComparison.Ordinal);
        Assert.Contains("[default: 2m]", stdout, StringComparison.Ordinal);
        Assert.Contains("[default: auto]", stdout, StringComparison.Ordinal);
        Assert.Contains("[default: info]", stdout, StringComparison.Ordinal);
        Assert.Contains("[default: on]", stdout, StringComparison.Ordinal);
        Assert.Contains("[default: 127.0.0.1:8443]", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("00:00:10", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "--help")]
    [InlineData(0, "-h")]
    [InlineData(0, "help")]
    [InlineData(2)]
    public async Task Top_level_usage_lists_every_command(int exitCode, params string[] args)
    {
        var (code, stdout, _) = await CliProcess.RunAsync(args);
        Assert.Equal(exitCode, code);
        foreach (string command in new[] { "serve", "pki", "ocsp-responder", "check", "status" })
        {
            Assert.Contains(command, stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Help_command_takes_a_command_name_and_version_prints_the_version()
    {
        var (code, stdout, _) = await CliProcess.RunAsync("help", "serve");
        Assert.Equal(0, code);
        Assert.Contains("--idle-timeout", stdout, StringComparison.Ordinal);

        (code, stdout, _) = await CliProcess.RunAsync("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", stdout);
    }

    /// <summary>Usage errors exit 2 and say which option is wrong and what it accepts (or the nearest valid name).</summary>
    [Theory]
    [InlineData("--listen", "serve", "--listn", "127.0.0.1:0")]
    [InlineData("serve", "serv")]
    [InlineData("Unrecognized command or argument 'frob'", "frob")]
    [InlineData("--protocol must be http or echo, got 'ftp'", "serve", "--protocol", "ftp")]
    [InlineData("--stapling must be off, auto or require, got 'maybe'", "serve", "--stapling=maybe")]
    [InlineData("--log-level must be debug, info, warning or error, got 'loud'", "serve", "--log-level", "loud")]
    [InlineData("--watch must be on or off, got 'yes'", "serve", "--watch", "yes")]
    [InlineData("--tls must be 1.2 or 1.3, got '1.1'", "serve", "--tls", "1.1")]
    [InlineData("--threads must be an integer between 1 and 64, got '0'", "serve", "--threads", "0")]
    [InlineData("--max-connections must be an integer between 1 and 1000000, got 'many'", "serve", "--max-connections", "many")]
    [InlineData("--max-handshakes must be an integer between 1 and 1000000, got '0'", "serve", "--max-handshakes", "0")]
    [InlineData("--handshake-timeout: 'soon' is not a duration", "serve", "--handshake-timeout", "soon")]
    [InlineData("--idle-timeout: '-5s' is not a duration", "serve", "--idle-timeout=-5s")]
    [InlineData("--listen: 'nonsense' is not HOST:PORT", "serve", "--listen", "nonsense")]
    [InlineData("--listen: 'example.com' is not an IP address", "serve", "--listen", "example.com:80")]
    [InlineData("--listen", "serve", "--listen")]
    [InlineData("--ocsp-url must be an absolute http:// URL, got 'https://ocsp.test/'", "serve", "--ocsp-url", "https://ocsp.test/")]
    [InlineData("--cert a.pem has no --key", "serve", "--cert", "a.pem")]
    [InlineData("--key must follow its --cert", "serve", "--key", "a.key")]
    [InlineData("--chain must follow its --cert", "serve", "--cert", "a.pem", "--key", "a.key", "--chain", "c.pem", "--chain", "d.pem")]
    [InlineData("no such directory", "serve", "--cert-dir", "/nonexistent/rawtls-certs")]
    [InlineData("--metrics: 'nonsense' is not HOST:PORT", "serve", "--metrics", "nonsense")]
    [InlineData("--admin must be on loopback", "serve", "--admin", "10.1.2.3:9000")]
    [InlineData("HOST:PORT", "check")]
    [InlineData("'nonsense' is not HOST:PORT", "check", "nonsense")]
    [InlineData("--tls must be 1.2 or 1.3, got '1.0'", "check", "127.0.0.1:1", "--tls", "1.0")]
    [InlineData("Required command was not provided", "pki")]
    [InlineData("pki", "pki", "frob")]
    [InlineData("--dir", "pki", "init")]
    [InlineData("--key must be ecdsa or rsa, got 'dsa'", "pki", "init", "--dir", "x", "--key", "dsa")]
    [InlineData("--bogus", "pki", "init", "--dir", "x", "--bogus", "1")]
    [InlineData("--name", "pki", "issue", "--dir", "x", "--out", "y")]
    [InlineData("--serial", "pki", "revoke", "--dir", "x")]
    [InlineData("--listen", "ocsp-responder", "--pki", "x")]
    [InlineData("--validity: 'soon' is not a duration", "ocsp-responder", "--pki", "x", "--listen", "127.0.0.1:0", "--validity", "soon")]
    [InlineData("--validity must be positive", "ocsp-responder", "--pki", "x", "--listen", "127.0.0.1:0", "--validity", "0")]
    [InlineData("--admin", "status")]
    public async Task Usage_errors_exit_2_and_name_the_option(string expected, params string[] args)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(args);
        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains(expected, stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("--help' for usage", stderr, StringComparison.Ordinal);
    }

    /// <summary>A misspelt option or command is answered with the nearest valid names; the value after an unknown option is not.</summary>
    [Theory]
    [InlineData("'--servernme' was not matched. Did you mean one of the following?\n--servername\n", "'x' was not matched", "check", "127.0.0.1:1", "--servernme", "x")]
    [InlineData("'--lisen' was not matched. Did you mean one of the following?\n--listen\n", "'127.0.0.1:0' was not matched", "serve", "--lisen", "127.0.0.1:0")]
    [InlineData("'--tsl' was not matched. Did you mean one of the following?\n--tls\n", "'1.2' was not matched", "serve", "--tsl=1.2")]
    [InlineData("'--hepl' was not matched. Did you mean one of the following?\n--help\n", "'serve' was not matched", "serve", "--hepl")]
    [InlineData("'iniit' was not matched. Did you mean one of the following?\ninit\n", "'--dir' was not matched", "pki", "iniit", "--dir", "x")]
    [InlineData("'--verison' was not matched. Did you mean one of the following?\n--version\n", "'serve' was not matched", "--verison")]
    public async Task Misspelt_names_get_the_nearest_valid_one_and_values_get_none(string hint, string absent, params string[] args)
    {
        var (code, _, stderr) = await CliProcess.RunAsync(args);
        string text = stderr.ReplaceLineEndings("\n");
        Assert.True(code == 2, $"exit {code}\n{stderr}");
        Assert.Contains(hint, text, StringComparison.Ordinal);
        Assert.DoesNotContain(absent, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_and_status_exit_3_when_nothing_listens()
    {
        using var free = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        free.Start();
        int port = ((System.Net.IPEndPoint)free.LocalEndpoint).Port;
        free.Stop(); // nothing listens there now

        var (code, _, stderr) = await CliProcess.RunAsync("check", $"127.0.0.1:{port}");
        Assert.True(code == 3, stderr);
        (code, _, stderr) = await CliProcess.RunAsync("status", "--admin", $"127.0.0.1:{port}");
        Assert.True(code == 3, stderr);
        (code, _, stderr) = await CliProcess.RunAsync("status", "--admin", Path.Combine(Path.GetTempPath(), $"rawtls-none-{port}.sock"));
        Assert.True(code == 3, stderr);
    }
}
