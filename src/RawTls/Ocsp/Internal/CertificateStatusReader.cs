namespace RawTls.Ocsp.Internal;

/// <summary>Decodes the TLS <c>CertificateStatus</c> structure (RFC 6066 §8) without re-encoding the response.</summary>
internal static class CertificateStatusReader
{
    private const byte StatusTypeOcsp = 1;

    /// <summary>
    /// Returns the OCSPResponse bytes of <c>struct { uint8 status_type = ocsp(1); opaque response&lt;1..2^24-1&gt;; }</c>,
    /// the body of a TLS 1.2 CertificateStatus message and the data of a TLS 1.3 CertificateEntry <c>status_request</c>.
    /// </summary>
    public static byte[] ReadOcspResponse(ReadOnlySpan<byte> status)
    {
        if (status.Length < 4)
        {
            throw new StapleProbeException($"CertificateStatus is truncated ({status.Length} bytes).");
        }

        if (status[0] != StatusTypeOcsp)
        {
            throw new StapleProbeException($"CertificateStatus has status_type {status[0]}, expected ocsp (1).");
        }

        var length = (status[1] << 16) | (status[2] << 8) | status[3];
        if (length == 0 || length != status.Length - 4)
        {
            throw new StapleProbeException(
                $"CertificateStatus declares a {length}-byte OCSPResponse but carries {status.Length - 4} bytes.");
        }

        return status[4..].ToArray();
    }
}
