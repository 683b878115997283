using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace RawTls.Certificates;

/// <summary>The server names a certificate answers.</summary>
internal static class CertificateNames
{
    /// <summary>The configured host names, or else the certificate's own names.</summary>
    public static List<string> Of(ServerCertificateOptions source, CertificateBundle bundle) =>
        source.HostNames is { } names ? [.. names] : Get(bundle.Leaf);

    /// <summary>The DNS names and IP addresses in the certificate's subject alternative names (else its CN).</summary>
    public static List<string> Get(X509Certificate2 leaf)
    {
        var names = new List<string>();
        foreach (var ext in leaf.Extensions)
        {
            if (ext is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames());
                foreach (IPAddress ip in san.EnumerateIPAddresses())
                {
                    names.Add(ip.ToString());
                }
            }
        }

        if (names.Count == 0)
        {
            string cn = leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            if (!string.IsNullOrEmpty(cn))
            {
                names.Add(cn);
            }
        }

        return names;
    }
}
