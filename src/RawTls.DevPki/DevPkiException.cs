namespace RawTls.DevPki;

/// <summary>An expected development-PKI failure (missing files, unknown serial, existing PKI); the message is user-facing.</summary>
public sealed class DevPkiException : Exception
{
    /// <summary>Creates an exception with a user-facing message.</summary>
    public DevPkiException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a user-facing message and a cause.</summary>
    public DevPkiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with a default message.</summary>
    public DevPkiException()
    {
    }
}
