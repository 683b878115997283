using RawTls.Internal;

namespace RawTls.Certificates;

/// <summary>Validation and the copy a running set reads.</summary>
public sealed partial class CertificateReloadOptions
{
    internal CertificateReloadOptions ValidatedCopy(string path)
    {
        OptionCheck.Range(path + ".Debounce", Debounce, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        OptionCheck.Range(path + ".PollInterval", PollInterval, TimeSpan.Zero, TimeSpan.FromHours(1), allowInfinite: true);
        OptionCheck.Range(path + ".StapleWait", StapleWait, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        OptionCheck.Range(path + ".ExpiryWarning", ExpiryWarning, TimeSpan.Zero, TimeSpan.FromDays(365));
        return (CertificateReloadOptions)MemberwiseClone();
    }
}
