namespace RawTls.Cli.Protocols;

/// <summary>The few targets the responder answers differently; everything else gets the fixed body.</summary>
internal enum HttpRoute
{
    /// <summary>Any other target: the fixed 200 body.</summary>
    Default,

    /// <summary><c>/whoami</c>: the client address the server sees, as text.</summary>
    WhoAmI,

    /// <summary><c>/ready</c>: 200 while the instance should get traffic, 503 while draining or missing a required staple.</summary>
    Ready,
}
