namespace RawTls.Cli.Protocols;

/// <summary>What <c>GET /ready</c> answers, for a balancer's health checks.</summary>
internal interface IReadinessProbe
{
    /// <summary>True once a stop began: answers say <c>Connection: close</c> so keep-alive clients move elsewhere.</summary>
    bool Draining { get; }

    /// <summary>Null when ready; otherwise why not (e.g. <c>draining</c>, <c>no staple</c>).</summary>
    string? NotReadyReason();
}
