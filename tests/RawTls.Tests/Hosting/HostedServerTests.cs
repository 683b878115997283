using System.Diagnostics.Metrics;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RawTls.Hosting;
using RawTls.Ocsp;
using RawTls.Server;
using RawTls.Tests.Infrastructure;
using RawTls.Tests.Reload;

namespace RawTls.Tests.Hosting;

public class HostedServerTests
{
    [Fact]
    public async Task Host_serves_the_appsettings_certificate_stapled_from_the_first_handshake()
    {
        await using var f = HostingFixture.Create();
        var (files, leaf) = f.WriteCertificate("site", "localhost");
        f.WriteSettings(HostingFixture.Section(f.PemEntry(files)));
        IHost host = f.Build();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        bool listeningWhenStarted = false;
        lifetime.ApplicationStarted.Register(() => listeningWhenStarted = f.Server.LocalEndPoints.Count == 1);

        await host.StartAsync();

        Assert.True(listeningWhenStarted, "the server was not listening when the host reported started");
        StapleProbeResult probe = await f.ProbeAsync();
        Assert.Equal(leaf.RawData, probe.ServerCertificateChain[0]);
        Assert.NotNull(probe.OcspResponse);
        Assert.Equal(OcspVerdict.Good, new OcspResponseValidator(leaf, f.Ca.Intermediate, TimeProvider.System).Validate(probe.OcspResponse!).Verdict);
        await using (var client = await TestServerFactory.ConnectTlsAsync(f.Server.LocalEndPoints[0]))
        {
            await client.Ssl.WriteAsync("hello"u8.ToArray());
            var echoed = new byte[5];
            await client.Ssl.ReadExactlyAsync(echoed);
            Assert.Equal("hello"u8.ToArray(), echoed);
        }

        // Logging came from the host's ILoggerFactory
        Assert.Contains(f.Logs.Entries, e => e.Category.StartsWith("RawTls", StringComparison.Ordinal) && e.Message.Contains("127.0.0.1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Meter_time_and_logging_come_from_the_host()
    {
        await using var f = HostingFixture.Create();
        var (files, _) = f.WriteCertificate("site", "localhost");
        f.WriteSettings(HostingFixture.Section(f.PemEntry(files)));
        var clock = new FixedStartClock();
        IHost host = f.Build(configureHost: b => b.Services.AddSingleton<TimeProvider>(clock));
        var meterFactory = host.Services.GetRequiredService<IMeterFactory>();
        long completed = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meterFactory) && instrument.Name == "rawtls.handshakes.completed")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref completed, value));
        listener.Start();

        await host.StartAsync();
        await using (await TestServerFactory.ConnectTlsAsync(f.Server.LocalEndPoints[0]))
        {
        }

        Assert.Same(meterFactory, f.Server.Meter.Scope);
        await TestServerFactory.WaitUntilAsync(() => Interlocked.Read(ref completed) == 1, "one completed handshake recorded on the host's meter");
        Assert.Same(clock, host.Services.GetRequiredService<IOptions<TlsServerOptions>>().Value.TimeProvider);
        Assert.True(clock.Reads > 0, "the server never read the host's clock");
    }

    [Fact]
    public async Task Pfx_and_certificate_directory_serve_each_name_its_own_certificate()
    {
        await using var f = HostingFixture.Create();
        X509Certificate2 pfxLeaf = f.Ca.IssueLeaf(["pfx.test"]);
        string pfxPath = Path.Combine(f.Root, "pfx.p12");
        var collection = new X509Certificate2Collection { pfxLeaf, f.Ca.Intermediate };
        File.WriteAllBytes(pfxPath, collection.Export(X509ContentType.Pkcs12, "secret")!);
        var (_, aLeaf) = f.WriteCertificate("a", "a.test");
        var (_, bLeaf) = f.WriteCertificate("b", "b.test");
        var section = HostingFixture.Section(new Dictionary<string, object?> { ["PfxPath"] = pfxPath, ["PfxPassword"] = "secret", ["OcspResponderUrl"] = f.Responder.Url.ToString() });
        section["CertificateDirectory"] = Path.Combine(f.Root, "certs");
        section["Stapling"] = new Dictionary<string, object?> { ["Mode"] = "Off" };
        f.WriteSettings(section);
        f.Build();

        await f.Host.StartAsync();

        Assert.Equal(pfxLeaf.RawData, (await f.ProbeAsync("pfx.test")).ServerCertificateChain[0]);
        Assert.Equal(aLeaf.RawData, (await f.ProbeAsync("a.test")).ServerCertificateChain[0]);
        Assert.Equal(bLeaf.RawData, (await f.ProbeAsync("b.test")).ServerCertificateChain[0]);
        Assert.Equal(pfxLeaf.RawData, (await f.ProbeAsync("other.test")).ServerCertificateChain[0]); // the first is the default
    }

    [Fact]
    public async Task Stop_lets_a_typed_handler_from_DI_finish_its_exchange()
    {
        await using var f = HostingFixture.Create();
        var (files, _) = f.WriteCertificate("site", "localhost");
        f.WriteSettings(HostingFixture.Section(f.PemEntry(files)));
        IHost host = f.Build(b => b.UseHandler<GoodbyeHandler>(), h => h.Services.AddSingleton<Greeting>(new Greeting("bye")));
        await host.StartAsync();
        var handler = host.Services.GetRequiredService<GoodbyeHandler>();
        await using var client = await TestServerFactory.ConnectTlsAsync(f.Server.LocalEndPoints[0]);
        await client.Ssl.WriteAsync("x"u8.ToArray());
        await handler.Connected.Task.WaitAsync(TestServerFactory.DefaultWait);

        Task stop = host.StopAsync();

        var buffer = new byte[16];
        int n = await client.Ssl.ReadAsync(buffer).AsTask().WaitAsync(TestServerFactory.DefaultWait);
        Assert.Equal("bye", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        Assert.Equal(0, await client.Ssl.ReadAsync(buffer).AsTask().WaitAsync(TestServerFactory.DefaultWait)); // then a clean close
        await stop.WaitAsync(TestServerFactory.DefaultWait);
        Assert.Equal(0, f.Server.GetStatus().ActiveConnections);
    }

    [Fact]
    public async Task A_host_without_a_handler_fails_to_start_and_says_so()
    {
        await using var f = HostingFixture.Create();
        var (files, _) = f.WriteCertificate("site", "localhost");
        f.WriteSettings(HostingFixture.Section(f.PemEntry(files)));
        IHost host = f.Build(static _ => { });

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("UseHandler", ex.Message, StringComparison.Ordinal);
    }

    internal sealed record Greeting(string Text);

    /// <summary>Waits for the server's stop signal, then says goodbye and returns.</summary>
    internal sealed class GoodbyeHandler(Greeting greeting) : ITlsConnectionHandler
    {
        public TaskCompletionSource Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask OnConnectedAsync(TlsConnection connection)
        {
            var read = await connection.Transport.Input.ReadAsync();
            connection.Transport.Input.AdvanceTo(read.Buffer.End);
            Connected.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, connection.ServerStopping);
            }
            catch (OperationCanceledException)
            {
            }

            await connection.Transport.Output.WriteAsync(System.Text.Encoding.ASCII.GetBytes(greeting.Text));
        }
    }

    /// <summary>The system clock, counting reads: shows the server uses the clock it was given.</summary>
    private sealed class FixedStartClock : TimeProvider
    {
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public override DateTimeOffset GetUtcNow()
        {
            Interlocked.Increment(ref _reads);
            return base.GetUtcNow();
        }
    }
}
