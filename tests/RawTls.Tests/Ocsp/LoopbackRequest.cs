namespace RawTls.Tests.Ocsp;

/// <summary>One HTTP request as seen by <see cref="LoopbackHttpServer"/>.</summary>
internal sealed record LoopbackRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, byte[] Body);
