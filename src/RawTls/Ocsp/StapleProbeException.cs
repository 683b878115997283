namespace RawTls.Ocsp;

/// <summary>The probe's TLS handshake failed: an alert, a malformed message or the server hanging up.</summary>
internal sealed class StapleProbeException : IOException
{
    /// <summary>Creates an exception with no detail.</summary>
    public StapleProbeException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public StapleProbeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the underlying failure.</summary>
    public StapleProbeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
