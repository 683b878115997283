using RawTls.Internal;

namespace RawTls.Stapling;

/// <summary>Validation and the copy a running set reads.</summary>
public sealed partial class StaplingOptions
{
    /// <summary>Checks every value against its allowed range and returns a copy: later changes do not reach a running set.</summary>
    internal StaplingOptions ValidatedCopy(string path)
    {
        OptionCheck.Range(path + ".Mode", (int)Mode, (int)StaplingMode.Off, (int)StaplingMode.Require);
        OptionCheck.Range(path + ".FetchTimeout", FetchTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        OptionCheck.Range(path + ".MaxResponseBytes", MaxResponseBytes, 1024, 16 * 1024 * 1024);
        OptionCheck.Range(path + ".MaxRedirects", MaxRedirects, 0, 10);
        OptionCheck.Range(path + ".StartupWait", StartupWait, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        OptionCheck.Range(path + ".StoreTimeout", StoreTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1));
        OptionCheck.Range(path + ".ClockSkew", ClockSkew, TimeSpan.Zero, TimeSpan.FromHours(1));
        OptionCheck.Range(path + ".MaxRefreshInterval", MaxRefreshInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(30));
        OptionCheck.Range(path + ".MinRefreshInterval", MinRefreshInterval, TimeSpan.FromMilliseconds(100), MaxRefreshInterval);
        OptionCheck.Range(path + ".RetryMaxDelay", RetryMaxDelay, TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1));
        OptionCheck.Range(path + ".RetryBaseDelay", RetryBaseDelay, TimeSpan.FromMilliseconds(10), RetryMaxDelay);
        OptionCheck.Range(path + ".ExpiryMargin", ExpiryMargin, TimeSpan.Zero, TimeSpan.FromDays(1));
        OptionCheck.Range(path + ".Jitter", Jitter, 0, 0.5);
        OptionCheck.Range(path + ".RevokedPolicy", (int)RevokedPolicy, (int)RevokedCertificatePolicy.StapleRevoked, (int)RevokedCertificatePolicy.UseFallbackCertificate);
        if (RevokedPolicy == RevokedCertificatePolicy.UseFallbackCertificate)
        {
            OptionCheck.NotNull(path + ".FallbackCertificate", FallbackCertificate);
            if (!FallbackCertificate!.HasPrivateKey)
            {
                OptionCheck.Throw(path + ".FallbackCertificate", "a certificate without its private key", "a certificate with its private key");
            }
        }

        var copy = (StaplingOptions)MemberwiseClone(); // the event's handlers come along: raised on the copy, seen by the caller
        copy.FallbackChain = FallbackChain is null ? null : [.. FallbackChain];
        return copy;
    }
}
