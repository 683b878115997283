using System.Net;
using Microsoft.Extensions.Options;
using RawTls.Server;

namespace RawTls.Hosting.Internal;

/// <summary>
/// Checks a bound <see cref="RawTlsOptions"/> before anything starts. Every failure names the configuration key
/// (<c>RawTls:Endpoints:0:Port</c>) and the allowed values, so a bad appsettings.json fails the host's start clearly.
/// </summary>
internal sealed class RawTlsOptionsValidator(string sectionPath, bool requireEndpoints) : IValidateOptions<RawTlsOptions>
{
    public ValidateOptionsResult Validate(string? name, RawTlsOptions options)
    {
        List<string> failures = Check(options, new ConfigPath(sectionPath), requireEndpoints);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>All problems of <paramref name="options"/>, each prefixed with its key.</summary>
    public static List<string> Check(RawTlsOptions options, ConfigPath root, bool requireEndpoints)
    {
        var failures = new List<string>();
        void Fail(ConfigPath key, string message) => failures.Add($"{key}: {message}");

        if (requireEndpoints && options.Endpoints.Count == 0)
        {
            Fail(root["Endpoints"], "at least one endpoint is required (e.g. { \"Address\": \"Any\", \"Port\": 443 })");
        }

        for (int i = 0; i < options.Endpoints.Count; i++)
        {
            RawTlsEndpointOptions endpoint = options.Endpoints[i];
            ConfigPath at = root["Endpoints"][i];
            if (endpoint.Port is not { } port)
            {
                Fail(at["Port"], "is required (0-65535)");
            }
            else if (port is < 0 or > 65535)
            {
                Fail(at["Port"], $"{port} is out of range (0-65535)");
            }

            if (EndpointAddress.Parse(endpoint.Address) is null)
            {
                Fail(at["Address"], $"'{endpoint.Address}' is not an IP address, Any, IPv6Any or Loopback");
            }
        }

        if (options.Certificates.Count == 0 && string.IsNullOrEmpty(options.CertificateDirectory))
        {
            Fail(root["Certificates"], "at least one certificate is required (Certificates or CertificateDirectory)");
        }

        for (int i = 0; i < options.Certificates.Count; i++)
        {
            CheckCertificate(options.Certificates[i], root["Certificates"][i], Fail);
        }

        if (!string.IsNullOrEmpty(options.CertificateDirectory))
        {
            string? problem = CertificateDirectory.Problem(options.CertificateDirectory);
            if (problem is not null)
            {
                Fail(root["CertificateDirectory"], problem);
            }
        }

        for (int i = 0; i < options.ApplicationProtocols.Count; i++)
        {
            string alpn = options.ApplicationProtocols[i];
            if (string.IsNullOrEmpty(alpn) || System.Text.Encoding.UTF8.GetByteCount(alpn) > 255)
            {
                Fail(root["ApplicationProtocols"][i], "must be 1-255 bytes (e.g. \"h2\", \"http/1.1\")");
            }
        }

        if (failures.Count == 0)
        {
            LibraryRanges(options, root, requireEndpoints, Fail);
        }

        return failures;
    }

    private static void CheckCertificate(RawTlsCertificateOptions certificate, ConfigPath at, Action<ConfigPath, string> fail)
    {
        bool pem = certificate.CertificatePath is not null || certificate.KeyPath is not null || certificate.ChainPath is not null;
        bool pfx = certificate.PfxPath is not null;
        if (pem && pfx)
        {
            fail(at, "set either CertificatePath + KeyPath (PEM) or PfxPath, not both");
        }
        else if (pfx)
        {
            FileExists(at["PfxPath"], certificate.PfxPath!, fail);
        }
        else if (!pem)
        {
            fail(at, "set CertificatePath + KeyPath (PEM) or PfxPath");
        }
        else
        {
            Required(at["CertificatePath"], certificate.CertificatePath, fail);
            Required(at["KeyPath"], certificate.KeyPath, fail);
            if (certificate.ChainPath is not null)
            {
                FileExists(at["ChainPath"], certificate.ChainPath, fail);
            }
        }

        if (certificate.PfxPassword is not null && !pfx)
        {
            fail(at["PfxPassword"], "applies only with PfxPath");
        }

        for (int i = 0; i < certificate.HostNames.Count; i++)
        {
            string host = certificate.HostNames[i];
            if (string.IsNullOrWhiteSpace(host) || host.Contains(' ', StringComparison.Ordinal) || (host.Contains('*', StringComparison.Ordinal) && !host.StartsWith("*.", StringComparison.Ordinal)))
            {
                fail(at["HostNames"][i], $"'{host}' is not a host name or a '*.' wildcard");
            }
        }

        if (certificate.OcspResponderUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            fail(at["OcspResponderUrl"], $"'{url}' is not an absolute http or https URL");
        }
    }

    private static void Required(ConfigPath key, string? path, Action<ConfigPath, string> fail)
    {
        if (string.IsNullOrEmpty(path))
        {
            fail(key, "is required");
        }
        else
        {
            FileExists(key, path, fail);
        }
    }

    private static void FileExists(ConfigPath key, string path, Action<ConfigPath, string> fail)
    {
        if (!File.Exists(path))
        {
            fail(key, $"file '{Path.GetFullPath(path)}' does not exist");
        }
    }

    /// <summary>
    /// The allowed ranges have one owner, the library: its own start-time check runs on the mapped options, and the
    /// option it names (<c>TlsServerOptions.Stapling.Jitter</c>) is reported as the key (<c>RawTls:Stapling:Jitter</c>).
    /// It stops at the first value out of range.
    /// </summary>
    private static void LibraryRanges(RawTlsOptions options, ConfigPath root, bool requireEndpoints, Action<ConfigPath, string> fail)
    {
        var mapped = new TlsServerOptions();
        ServerOptionsMapper.Apply(options, mapped);
        if (!requireEndpoints)
        {
            mapped.EndPoints.Add(new IPEndPoint(IPAddress.Loopback, 0)); // Kestrel listens; the check wants one
        }

        try
        {
            _ = mapped.ValidatedCopy();
        }
        catch (ArgumentOutOfRangeException ex) when (ex.ParamName is { } option && option.StartsWith(OptionsPrefix, StringComparison.Ordinal)
            && !option.EndsWith(".FallbackCertificate", StringComparison.Ordinal)) // set in code after binding; the server checks it at start
        {
            string key = option[OptionsPrefix.Length..].Replace('.', ':').Replace("[", ":", StringComparison.Ordinal).Replace("]", string.Empty, StringComparison.Ordinal);
            string message = ex.Message.Split(" (Parameter", 2)[0];
            fail(root[key], message.StartsWith(option, StringComparison.Ordinal) ? message[option.Length..].TrimStart() : message);
        }
    }

    private const string OptionsPrefix = nameof(TlsServerOptions) + ".";
}
