namespace RawTls.Ocsp;

/// <summary>How an OCSP fetch ended.</summary>
internal enum OcspFetchOutcome
{
    /// <summary>HTTP 200 with a body within the size cap. The body still needs validating.</summary>
    Success,

    /// <summary>The overall timeout elapsed (connect, headers, redirects and body together).</summary>
    Timeout,

    /// <summary>The caller's cancellation token was cancelled.</summary>
    Canceled,

    /// <summary>The responder answered with a status other than 200 (or a redirect without a usable Location).</summary>
    HttpError,

    /// <summary>The body exceeds the size cap; it was not read in full.</summary>
    TooLarge,

    /// <summary>Too many redirects, or a redirect loop.</summary>
    RedirectLimit,

    /// <summary>Connection, DNS, TLS or protocol failure.</summary>
    NetworkError,

    /// <summary>HTTP 200 with an empty body.</summary>
    EmptyResponse,

    /// <summary>No responder URL: none given and none in the certificate's AIA extension.</summary>
    NoResponderUrl,
}
