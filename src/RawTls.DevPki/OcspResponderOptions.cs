using System.Net;

namespace RawTls.DevPki;

/// <summary>Options for <see cref="OcspResponder.Start"/>.</summary>
public sealed record OcspResponderOptions
{
    /// <summary>Address to listen on; default 127.0.0.1 with an ephemeral port.</summary>
    public IPEndPoint EndPoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>nextUpdate = now + this (default 1 hour).</summary>
    public TimeSpan Validity { get; init; } = TimeSpan.FromHours(1);

    /// <summary>thisUpdate = now − this, to tolerate client clock skew (default 1 minute).</summary>
    public TimeSpan Backdate { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Clock for thisUpdate/nextUpdate/producedAt. Fault delays always use real time.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Largest accepted request line, and largest total of the headers; larger gets 414 or 431.</summary>
    public int MaxHeaderBytes { get; init; } = 16 * 1024;

    /// <summary>Largest accepted POST body; larger gets 413.</summary>
    public int MaxRequestBodyBytes { get; init; } = 64 * 1024;

    /// <summary>Connections beyond this are closed on accept.</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>How long an idle keep-alive connection stays open.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on receiving a request's headers.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Initial fault hook; see <see cref="OcspResponder.FaultHook"/>.</summary>
    public Func<OcspRequestContext, OcspFault?>? FaultHook { get; init; }
}
