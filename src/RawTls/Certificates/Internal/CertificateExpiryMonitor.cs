namespace RawTls.Certificates;

/// <summary>Warns about served certificates close to their NotAfter: at start, after each reload, and daily.</summary>
internal sealed class CertificateExpiryMonitor : IDisposable
{
    private readonly IReadOnlyList<CertificateSlot> _slots;
    private readonly TimeSpan _warning;
    private readonly TimeProvider _time;
    private readonly CertificateLog _log;
    private readonly ITimer _timer;

    public CertificateExpiryMonitor(IReadOnlyList<CertificateSlot> slots, TimeSpan warning, TimeProvider time, CertificateLog log)
    {
        _slots = slots;
        _warning = warning;
        _time = time;
        _log = log;
        WarnAll();
        _timer = time.CreateTimer(static s => ((CertificateExpiryMonitor)s!).WarnAll(), this, TimeSpan.FromDays(1), TimeSpan.FromDays(1));
    }

    public void Check(CertificateSlot slot)
    {
        var leaf = slot.Holder.Current.Leaf;
        DateTimeOffset notAfter = leaf.NotAfter.ToUniversalTime();
        TimeSpan left = notAfter - _time.GetUtcNow();
        if (left < _warning)
        {
            _log.ExpiresSoon(slot.Source.ToString(), leaf.SerialNumber, notAfter, left.TotalDays);
        }
    }

    private void WarnAll()
    {
        foreach (CertificateSlot slot in _slots)
        {
            Check(slot);
        }
    }

    public void Dispose() => _timer.Dispose();
}
