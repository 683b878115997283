namespace RawTls.DevPki;

/// <summary>
/// How <see cref="OcspResponder"/> should misbehave for one request. Applied in order: delay, then drop,
/// redirect, body override or bare status; with none of those the normal response follows the delay.
/// </summary>
public sealed record OcspFault
{
    /// <summary>Waits this long (real time) before answering.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>HTTP status to send (default 200, or 302 for a redirect).</summary>
    public int? StatusCode { get; init; }

    /// <summary>Replaces the response body (garbage, a huge body, a pre-built OCSP response).</summary>
    public byte[]? Body { get; init; }

    /// <summary>Content-Type for <see cref="Body"/> (default application/ocsp-response).</summary>
    public string? ContentType { get; init; }

    /// <summary>Sends a redirect to this location.</summary>
    public string? RedirectLocation { get; init; }

    /// <summary>Resets the connection without answering.</summary>
    public bool DropConnection { get; init; }

    /// <summary>Answer normally, after <paramref name="delay"/>.</summary>
    public static OcspFault Delayed(TimeSpan delay) => new() { Delay = delay };

    /// <summary>Answer with a bare HTTP status and an empty body.</summary>
    public static OcspFault Status(int statusCode) => new() { StatusCode = statusCode };

    /// <summary>Answer with arbitrary body bytes.</summary>
    public static OcspFault RawBody(byte[] body, int statusCode = 200, string? contentType = null) => new() { Body = body, StatusCode = statusCode, ContentType = contentType };

    /// <summary>Answer 200 with a pre-built DER OCSP response (e.g. from <see cref="OcspResponseBuilder"/>).</summary>
    public static OcspFault Response(byte[] der) => new() { Body = der };

    /// <summary>Redirect (default 302) to <paramref name="location"/>.</summary>
    public static OcspFault Redirect(string location, int statusCode = 302) => new() { RedirectLocation = location, StatusCode = statusCode };

    /// <summary>Reset the connection without answering.</summary>
    public static OcspFault Drop() => new() { DropConnection = true };
}
