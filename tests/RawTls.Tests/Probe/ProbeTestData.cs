namespace RawTls.Tests.Probe;

/// <summary>Locates the OCSP vectors copied next to the test assembly.</summary>
internal static class ProbeTestData
{
    public static string OcspRealPath(string file) =>
        Path.Combine(AppContext.BaseDirectory, "Ocsp", "Vectors", file);

    public static byte[] GtsGoodResponse => File.ReadAllBytes(OcspRealPath("gts-good-response.der"));
}
