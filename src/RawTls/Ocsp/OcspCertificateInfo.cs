using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RawTls.Ocsp;

/// <summary>Reads the certificate extensions that matter for OCSP stapling.</summary>
internal static class OcspCertificateInfo
{
    /// <summary>The TLS Feature value for status_request (RFC 6066), i.e. OCSP Must-Staple.</summary>
    public const int StatusRequestFeature = 5;

    /// <summary>
    /// The OCSP responder URLs (id-ad-ocsp) in the Authority Information Access extension, absolute http/https only,
    /// in certificate order. Empty when there are none.
    /// </summary>
    public static IReadOnlyList<Uri> GetOcspResponderUris(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var uris = new List<Uri>();
        if (certificate.Extensions[OcspOids.AuthorityInfoAccess] is not { } extension)
        {
            return uris;
        }

        try
        {
            var aia = new X509AuthorityInformationAccessExtension(extension.RawData, extension.Critical);
            foreach (string value in aia.EnumerateOcspUris())
            {
                if (Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                {
                    uris.Add(uri);
                }
            }
        }
        catch (CryptographicException)
        {
            // A malformed AIA extension yields no responder, which callers handle like a missing one.
        }

        return uris;
    }

    /// <summary>The features listed in the TLS Feature extension (RFC 7633); empty when absent or malformed.</summary>
    public static IReadOnlyList<int> GetTlsFeatures(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var features = new List<int>();
        if (certificate.Extensions[OcspOids.TlsFeature] is not { } extension)
        {
            return features;
        }

        try
        {
            var outer = new AsnReader(extension.RawData, AsnEncodingRules.DER);
            AsnReader sequence = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            while (sequence.HasData)
            {
                if (sequence.TryReadInt32(out int feature))
                {
                    features.Add(feature);
                }
                else
                {
                    _ = sequence.ReadIntegerBytes();
                }
            }
        }
        catch (AsnContentException)
        {
            features.Clear();
        }

        return features;
    }

    /// <summary>Whether the certificate demands a stapled OCSP response (TLS Feature contains status_request).</summary>
    public static bool IsMustStaple(X509Certificate2 certificate) => GetTlsFeatures(certificate).Contains(StatusRequestFeature);
}
