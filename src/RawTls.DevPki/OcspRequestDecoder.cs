using Org.BouncyCastle.Ocsp;

namespace RawTls.DevPki;

/// <summary>
/// Finds the DER OCSP request in an HTTP request (RFC 6960 appendix A): the base64 path of a GET
/// (percent-encoded or not, base64url, behind a path prefix, in an absolute-form target) or the body of
/// a POST. Pure: no I/O, no state; any input gives a result or null, never an exception.
/// </summary>
public static class OcspRequestDecoder
{
    /// <summary>Leading path segments <see cref="DecodeGetTarget"/> skips at most while looking for the base64 request.</summary>
    internal const int MaxPathSegmentsTried = 16;

    /// <summary>The DER request carried by <paramref name="method"/> <paramref name="target"/> with <paramref name="body"/>, or null.</summary>
    public static byte[]? Decode(string method, string target, ReadOnlySpan<byte> body) => method switch
    {
        "GET" => DecodeGetTarget(target),
        "POST" => body.ToArray(),
        _ => null,
    };

    /// <summary>Decodes the base64 OCSP request in a GET target, tolerating percent-encoding, raw '+' and '/', base64url and a path prefix.</summary>
    public static byte[]? DecodeGetTarget(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        string path = target;
        int scheme = path.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            int slash = path.IndexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path[slash..];
        }

        int query = path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            path = path[..query];
        }

        path = path.StartsWith('/') ? path[1..] : path;
        byte[]? firstDecoded = null;

        // Base64 may contain '/', so try the whole path first and then without each leading segment (a responder URL with a path).
        // Bounded: each try decodes the rest of the path, so trying every segment of a long path costs quadratic time.
        string candidate = path;
        for (int tries = 0; candidate.Length > 0 && tries < MaxPathSegmentsTried; tries++)
        {
            byte[]? der = DecodeBase64(candidate);
            if (der is not null)
            {
                firstDecoded ??= der;
                if (TryParse(der, out _) is not null)
                {
                    return der;
                }
            }

            int next = candidate.IndexOf('/', StringComparison.Ordinal);
            if (next < 0)
            {
                break;
            }

            candidate = candidate[(next + 1)..];
        }

        return firstDecoded;
    }

    /// <summary>Parses a DER OCSP request with at least one CertID; null when malformed. <paramref name="serials"/>: normalized hex per CertID.</summary>
    internal static OcspReq? TryParse(byte[]? der, out IReadOnlyList<string> serials)
    {
        serials = [];
        if (der is null || der.Length == 0)
        {
            return null;
        }

        try
        {
            var req = new OcspReq(der);
            Req[] list = req.GetRequestList();
            if (list.Length == 0)
            {
                return null;
            }

            serials = [.. list.Select(r => SerialHex(r.GetCertID()))];
            return req;
        }
#pragma warning disable CA1031 // any parse failure of attacker-controlled bytes means "malformed"
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    internal static string SerialHex(CertificateID id)
    {
        string hex = id.SerialNumber.ToString(16);
        try
        {
            return DevCertificateAuthority.NormalizeSerial(hex);
        }
        catch (DevPkiException)
        {
            return hex; // negative serial: never issued, reported as is
        }
    }

    private static byte[]? DecodeBase64(string s)
    {
        string text;
        try
        {
            text = Uri.UnescapeDataString(s);
        }
        catch (UriFormatException)
        {
            return null;
        }

        text = text.Replace('-', '+').Replace('_', '/').Trim();
        if (text.Length % 4 != 0)
        {
            text = text.PadRight(text.Length + (4 - (text.Length % 4)), '=');
        }

        byte[] bytes = new byte[text.Length / 4 * 3];
        return Convert.TryFromBase64String(text, bytes, out int written) && written > 0 ? bytes[..written] : null;
    }
}
