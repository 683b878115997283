using RawTls.Ocsp;

namespace RawTls.Hosting.Internal;

/// <summary>What the stapling health policy looks at for one certificate; a snapshot.</summary>
internal sealed record StapleHealthInput(string Name, StaplingMode Mode, bool Serving, StapleStatus? Status, DateTimeOffset StapleServedUntil)
{
    public static StapleHealthInput From(RawTls.Certificates.CertificateHolder holder)
    {
        var current = holder.Current;
        return new StapleHealthInput($"{current.Leaf.Subject} (serial {current.Leaf.SerialNumber})", holder.StaplingMode, holder.IsServing, holder.StaplingStatus, current.StapleServedUntil);
    }
}
