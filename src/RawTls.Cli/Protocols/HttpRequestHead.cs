namespace RawTls.Cli.Protocols;

/// <summary>What the responder needs from a parsed request head.</summary>
internal struct HttpRequestHead
{
    /// <summary>True for HEAD (answer without a body).</summary>
    public bool IsHead;

    /// <summary>True for HTTP/1.0.</summary>
    public bool IsHttp10;

    /// <summary>Connection: close was sent.</summary>
    public bool ConnectionClose;

    /// <summary>Connection: keep-alive was sent.</summary>
    public bool ConnectionKeepAlive;

    /// <summary>Which fixed target was asked for.</summary>
    public HttpRoute Route;

    /// <summary>The request body length (0 when absent).</summary>
    public long ContentLength;

    /// <summary>Whether the connection stays open after the answer.</summary>
    public readonly bool KeepAlive => IsHttp10 ? ConnectionKeepAlive && !ConnectionClose : !ConnectionClose;
}
