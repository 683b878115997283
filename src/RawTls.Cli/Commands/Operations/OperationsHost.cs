using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using RawTls.Server;
using ListenOptions = Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions;

namespace RawTls.Cli.Commands.Operations;

/// <summary>
/// The operator endpoints of <c>serve</c>, on Kestrel: <c>/metrics</c> (the <c>RawTls</c> meter in
/// Prometheus text format, by OpenTelemetry's exporter) on <c>--metrics</c>, and <c>/status</c> (JSON) on
/// <c>--admin</c>. Each listener tags its connections so a path answers only on its own listener.
/// </summary>
internal sealed class OperationsHost : IAsyncDisposable
{
    private const string ListenerKey = "rawtls.listener";
    private const string MetricsListener = "metrics";
    private const string AdminListener = "admin";

    /// <summary>Handshake durations are sub-second: buckets from 0.5 ms to 10 s (the SDK default is for milliseconds).</summary>
    private static readonly double[] s_handshakeBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly WebApplication _app;
    private readonly MeterProvider? _meterProvider;

    private OperationsHost(WebApplication app, MeterProvider? meterProvider)
    {
        _app = app;
        _meterProvider = meterProvider;
    }

    /// <summary>The scrape URL, when <c>--metrics</c> was given.</summary>
    public Uri? MetricsUrl { get; private set; }

    /// <summary>The bound admin address (the real port when 0 was asked), when <c>--admin</c> was given.</summary>
    public AdminAddress? Admin { get; private set; }

    public static async Task<OperationsHost> StartAsync(IPEndPoint? metrics, AdminAddress? admin, Func<ServerStatus> status)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore();
        ListenOptions? metricsListen = null, adminListen = null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            if (metrics is not null)
            {
                k.Listen(metrics, o => metricsListen = Tag(o, MetricsListener));
            }

            if (admin?.EndPoint is { } endPoint)
            {
                k.Listen(endPoint, o => adminListen = Tag(o, AdminListener));
            }
            else if (admin?.SocketPath is { } path)
            {
                RemoveStaleSocket(path);
                k.ListenUnixSocket(path, o => adminListen = Tag(o, AdminListener));
            }
        });

        MeterProvider? meterProvider = metrics is null ? null : Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(static r => r.AddService("rawtls"))
            .AddMeter("RawTls")
            .AddView("rawtls.handshake.duration", new ExplicitBucketHistogramConfiguration { Boundaries = s_handshakeBuckets })
            .AddPrometheusExporter()
            .Build();
        WebApplication app = builder.Build();
        if (meterProvider is not null)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider, static c => On(c, MetricsListener) && c.Request.Path == "/metrics", null, null, null);
        }

        TimeProvider time = TimeProvider.System;
        app.Run(async context =>
        {
            if (On(context, AdminListener) && context.Request.Path == "/status" && HttpMethods.IsGet(context.Request.Method))
            {
                context.Response.ContentType = "application/json";
                StatusDocument document = StatusDocument.From(status(), time.GetUtcNow());
                await System.Text.Json.JsonSerializer.SerializeAsync(context.Response.Body, document, StatusJsonContext.Default.StatusDocument, context.RequestAborted).ConfigureAwait(false);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status404NotFound;
        });

        var host = new OperationsHost(app, meterProvider);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (metricsListen?.IPEndPoint is { } m)
        {
            string h = m.Address.Equals(IPAddress.Any) ? "127.0.0.1" : m.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{m.Address}]" : m.Address.ToString();
            host.MetricsUrl = new Uri($"http://{h}:{m.Port}/metrics");
        }

        if (admin is not null)
        {
            host.Admin = adminListen?.IPEndPoint is { } a ? new AdminAddress(a, null) : admin;
        }

        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _meterProvider?.Dispose();
        if (Admin?.SocketPath is { } path)
        {
            File.Delete(path);
        }
    }

    private static ListenOptions Tag(ListenOptions options, string name)
    {
        options.Protocols = HttpProtocols.Http1;
        options.Use(next => connection =>
        {
            connection.Items[ListenerKey] = name;
            return next(connection);
        });
        return options;
    }

    private static bool On(HttpContext context, string listener) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ListenerKey, out object? name) == true && (string?)name == listener;

    /// <summary>A socket file left by a server that died is removed; one a live server answers on is left (the bind then fails).</summary>
    private static void RemoveStaleSocket(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        try
        {
            probe.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        }
        catch (System.Net.Sockets.SocketException)
        {
            File.Delete(path);
        }
    }
}
