namespace RawTls.Certificates;

/// <summary>A certificate could not be loaded or failed a check; the message names the file and the reason.</summary>
public sealed class CertificateLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CertificateLoadException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CertificateLoadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public CertificateLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
