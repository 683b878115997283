namespace RawTls.Ocsp;

/// <summary>The result of an <see cref="OcspClient"/> fetch. Expected failures are reported here, not thrown.</summary>
internal sealed class OcspFetchResult
{
    internal OcspFetchResult(OcspFetchOutcome outcome, string message)
    {
        Outcome = outcome;
        Message = message;
    }

    /// <summary>How the fetch ended.</summary>
    public OcspFetchOutcome Outcome { get; }

    /// <summary>Whether a response body was received (it still has to be validated).</summary>
    public bool IsSuccess => Outcome == OcspFetchOutcome.Success;

    /// <summary>A human-readable explanation, suitable for logs.</summary>
    public string Message { get; }

    /// <summary>The response body on success; empty otherwise.</summary>
    public ReadOnlyMemory<byte> Body { get; internal init; }

    /// <summary>The HTTP status of the last response, if one was received.</summary>
    public int? StatusCode { get; internal init; }

    /// <summary>The Content-Type of the last response, if any.</summary>
    public string? ContentType { get; internal init; }

    /// <summary>Whether the Content-Type was missing or not application/ocsp-response (tolerated, worth a log line).</summary>
    public bool IsUnexpectedContentType { get; internal init; }

    /// <summary>Whether the request was sent with GET (RFC 5019 §5) rather than POST.</summary>
    public bool UsedGet { get; internal init; }

    /// <summary>The URL the last request went to, after redirects.</summary>
    public Uri? FinalUri { get; internal init; }

    /// <summary>How many redirects were followed.</summary>
    public int Redirects { get; internal init; }

    /// <summary>Wall time spent.</summary>
    public TimeSpan Elapsed { get; internal init; }

    /// <inheritdoc />
    public override string ToString() => $"{Outcome}: {Message}";
}
