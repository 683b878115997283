using RawTls.Certificates;
using RawTls.Internal;

namespace RawTls.Server;

/// <summary>Validation and the copy a running server reads.</summary>
public sealed partial class TlsServerOptions
{
    /// <summary>Checks every value against its allowed range (the error names the option and the range) and returns a copy.</summary>
    internal TlsServerOptions ValidatedCopy()
    {
        const string path = nameof(TlsServerOptions);
        if (EndPoints.Count == 0)
        {
            throw new InvalidOperationException("No endpoint to listen on: add one with TlsServerOptions.Listen.");
        }

        OptionCheck.Range(path + ".HandshakeTimeout", HandshakeTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(10), allowInfinite: true);
        OptionCheck.Range(path + ".IdleTimeout", IdleTimeout, TimeSpan.Zero, TimeSpan.FromDays(1), allowInfinite: true);
        OptionCheck.Range(path + ".MaxConcurrentConnections", MaxConcurrentConnections, 1, 10_000_000);
        OptionCheck.Range(path + ".MaxConcurrentHandshakes", MaxConcurrentHandshakes, 1, 1_000_000);
        OptionCheck.Range(path + ".ListenBacklog", ListenBacklog, 1, 65_535);
        OptionCheck.Range(path + ".AcceptLoopsPerEndPoint", AcceptLoopsPerEndPoint, 1, 64);
        OptionCheck.Range(path + ".ShutdownTimeout", ShutdownTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        OptionCheck.Range(path + ".ClientCertificateMode", (int)ClientCertificateMode, (int)ClientCertificateMode.NoCertificate, (int)ClientCertificateMode.RequireCertificate);
        CertificateSetOptions certificates = CertificateSetView().ValidatedCopy(path);
        var copy = new TlsServerOptions
        {
            Stapling = certificates.Stapling,
            Reload = certificates.Reload,
            UnknownServerName = UnknownServerName,
            HandshakeTimeout = HandshakeTimeout,
            IdleTimeout = IdleTimeout,
            MaxConcurrentConnections = MaxConcurrentConnections,
            MaxConcurrentHandshakes = MaxConcurrentHandshakes,
            ListenBacklog = ListenBacklog,
            AcceptLoopsPerEndPoint = AcceptLoopsPerEndPoint,
            EnabledProtocols = EnabledProtocols,
            ClientCertificateMode = ClientCertificateMode,
            ClientCertificateValidation = ClientCertificateValidation,
            AllowTlsResume = AllowTlsResume,
            ShutdownTimeout = ShutdownTimeout,
            MemoryPool = MemoryPool,
            LoggerFactory = LoggerFactory,
            MeterFactory = MeterFactory,
            TimeProvider = TimeProvider,
            UnsafeInlineHandlers = UnsafeInlineHandlers,
            SimulateInlineUnavailable = SimulateInlineUnavailable,
            SimulateEpollUnavailable = SimulateEpollUnavailable,
            SimulateCipherPreferenceUnavailable = SimulateCipherPreferenceUnavailable,
        };
        foreach (var endPoint in EndPoints)
        {
            copy.EndPoints.Add(endPoint);
        }

        CopyEndPointOptions(copy);

        foreach (ServerCertificateOptions certificate in certificates.Certificates)
        {
            copy.Certificates.Add(certificate);
        }

        foreach (var protocol in ApplicationProtocols)
        {
            copy.ApplicationProtocols.Add(protocol);
        }

        return copy;
    }

    /// <summary>The certificate side of these options, for the server's <see cref="CertificateSet"/>.</summary>
    internal CertificateSetOptions CertificateSetView(System.Net.Security.SslServerAuthenticationOptions? template = null)
    {
        var options = new CertificateSetOptions
        {
            Stapling = Stapling,
            Reload = Reload,
            UnknownServerName = UnknownServerName,
            Template = template,
            LoggerFactory = LoggerFactory,
            TimeProvider = TimeProvider,
        };
        foreach (ServerCertificateOptions certificate in Certificates)
        {
            options.Certificates.Add(certificate);
        }

        return options;
    }
}
