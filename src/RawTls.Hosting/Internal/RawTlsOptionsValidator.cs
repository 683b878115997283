using System.Net;
using Microsoft.Extensions.Options;
using RawTls.Ocsp;

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

        Positive(root["HandshakeTimeout"], options.HandshakeTimeout, Fail);
        NotNegative(root["IdleTimeout"], options.IdleTimeout, Fail);
        NotNegative(root["ShutdownTimeout"], options.ShutdownTimeout, Fail);
        Range(root["MaxConcurrentConnections"], options.MaxConcurrentConnections, 1, int.MaxValue, Fail);
        Range(root["MaxConcurrentHandshakes"], options.MaxConcurrentHandshakes, 1, int.MaxValue, Fail);
        Range(root["ListenBacklog"], options.ListenBacklog, 1, 65535, Fail);
        Range(root["AcceptLoopsPerEndPoint"], options.AcceptLoopsPerEndPoint, 1, 64, Fail);
        for (int i = 0; i < options.ApplicationProtocols.Count; i++)
        {
            string alpn = options.ApplicationProtocols[i];
            if (string.IsNullOrEmpty(alpn) || System.Text.Encoding.UTF8.GetByteCount(alpn) > 255)
            {
                Fail(root["ApplicationProtocols"][i], "must be 1-255 bytes (e.g. \"h2\", \"http/1.1\")");
            }
        }

        CheckStapling(options.Stapling, root["Stapling"], Fail);
        CheckReload(options.Reload, root["Reload"], Fail);
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

    private static void CheckStapling(StaplingOptions stapling, ConfigPath at, Action<ConfigPath, string> fail)
    {
        Positive(at["FetchTimeout"], stapling.FetchTimeout, fail);
        Range(at["MaxResponseBytes"], stapling.MaxResponseBytes, 1024, 16 * 1024 * 1024, fail);
        Range(at["MaxRedirects"], stapling.MaxRedirects, 0, 10, fail);
        NotNegative(at["StartupWait"], stapling.StartupWait, fail);
        NotNegative(at["ClockSkew"], stapling.ClockSkew, fail);
        NotNegative(at["ExpiryMargin"], stapling.ExpiryMargin, fail);
        Positive(at["MinRefreshInterval"], stapling.MinRefreshInterval, fail);
        Positive(at["RetryBaseDelay"], stapling.RetryBaseDelay, fail);
        if (stapling.MaxRefreshInterval < stapling.MinRefreshInterval)
        {
            fail(at["MaxRefreshInterval"], $"{stapling.MaxRefreshInterval} is below MinRefreshInterval ({stapling.MinRefreshInterval})");
        }

        if (stapling.RetryMaxDelay < stapling.RetryBaseDelay)
        {
            fail(at["RetryMaxDelay"], $"{stapling.RetryMaxDelay} is below RetryBaseDelay ({stapling.RetryBaseDelay})");
        }

        if (stapling.Jitter is < 0 or > 0.5 || double.IsNaN(stapling.Jitter))
        {
            fail(at["Jitter"], $"{stapling.Jitter} is out of range (0-0.5)");
        }

        if (!Enum.IsDefined(stapling.Mode))
        {
            fail(at["Mode"], $"'{stapling.Mode}' is not Off, Auto or Require");
        }

        if (stapling.RevokedPolicy == RevokedCertificatePolicy.UseFallbackCertificate && stapling.FallbackCertificate is null)
        {
            fail(at["RevokedPolicy"], "UseFallbackCertificate needs StaplingOptions.FallbackCertificate (set it in code with Configure)");
        }
    }

    private static void CheckReload(RawTls.Certificates.CertificateReloadOptions reload, ConfigPath at, Action<ConfigPath, string> fail)
    {
        NotNegative(at["Debounce"], reload.Debounce, fail);
        NotNegative(at["PollInterval"], reload.PollInterval, fail);
        NotNegative(at["StapleWait"], reload.StapleWait, fail);
        NotNegative(at["ExpiryWarning"], reload.ExpiryWarning, fail);
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

    private static void Positive(ConfigPath key, TimeSpan? value, Action<ConfigPath, string> fail)
    {
        if (value is { } v && v <= TimeSpan.Zero && v != Timeout.InfiniteTimeSpan)
        {
            fail(key, $"{v} must be positive (e.g. \"00:00:10\")");
        }
    }

    private static void NotNegative(ConfigPath key, TimeSpan? value, Action<ConfigPath, string> fail)
    {
        if (value is { } v && v < TimeSpan.Zero && v != Timeout.InfiniteTimeSpan)
        {
            fail(key, $"{v} must not be negative");
        }
    }

    private static void Range(ConfigPath key, int? value, int min, int max, Action<ConfigPath, string> fail)
    {
        if (value is { } v && (v < min || v > max))
        {
            fail(key, $"{v} is out of range ({min}-{max})");
        }
    }
}
