using RawTls.Internal;
using RawTls.Server;

namespace RawTls.Certificates;

/// <summary>Validation and the copy a running set reads.</summary>
public sealed partial class CertificateSetOptions
{
    /// <summary>Checks every value against its allowed range and returns a deep enough copy that later changes do not reach a running set.</summary>
    /// <param name="path">How the caller names these options in errors (<c>CertificateSetOptions</c>, <c>TlsServerOptions</c>).</param>
    internal CertificateSetOptions ValidatedCopy(string path = nameof(CertificateSetOptions))
    {
        if (Certificates.Count == 0)
        {
            throw new InvalidOperationException($"No certificate: add one to {path}.Certificates.");
        }

        for (int i = 0; i < Certificates.Count; i++)
        {
            OptionCheck.NotNull($"{path}.Certificates[{i}]", Certificates[i]);
        }

        OptionCheck.NotNull(path + ".Stapling", Stapling);
        OptionCheck.NotNull(path + ".Reload", Reload);
        OptionCheck.NotNull(path + ".TimeProvider", TimeProvider);
        OptionCheck.Range(path + ".UnknownServerName", (int)UnknownServerName, (int)UnknownServerNamePolicy.UseDefaultCertificate, (int)UnknownServerNamePolicy.RefuseHandshake);
        var copy = new CertificateSetOptions
        {
            Stapling = Stapling.ValidatedCopy(path + ".Stapling"),
            Reload = Reload.ValidatedCopy(path + ".Reload"),
            UnknownServerName = UnknownServerName,
            Template = Template,
            LoggerFactory = LoggerFactory,
            TimeProvider = TimeProvider,
            Meter = Meter,
        };
        foreach (ServerCertificateOptions certificate in Certificates)
        {
            copy.Certificates.Add(certificate.Snapshot());
        }

        return copy;
    }
}
