namespace RawTls.Certificates;

/// <summary>A certificate read and checked, and the hash of the file contents it came from (null: in memory).</summary>
internal sealed record LoadedCertificate(CertificateBundle Bundle, byte[]? FileHash);
