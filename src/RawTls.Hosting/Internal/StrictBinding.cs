using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace RawTls.Hosting.Internal;

/// <summary>
/// Binds configuration so that nothing is lost silently: the binder alone drops a list item whose value does not convert
/// and ignores misspelt keys. Here both fail, and the error names the key's full path.
/// </summary>
internal static class StrictBinding
{
    private const string ConversionFailure = "Failed to convert configuration value";

    public static void Bind(IConfiguration configuration, RawTlsOptions options, ConfigPath root)
    {
        try
        {
            configuration.Bind(options, static b => b.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            var unknown = new List<string>();
            UnknownKeys.Find(configuration, typeof(RawTlsOptions), root, unknown);
            if (unknown.Count > 0)
            {
                throw new OptionsValidationException(Options.DefaultName, typeof(RawTlsOptions), unknown);
            }

            // The binder's outer message is generic; the conversion failure inside it names the key and the value.
            for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
            {
                if (inner.Message.StartsWith(ConversionFailure, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"Invalid RawTls configuration: {inner.Message}", ex);
                }
            }

            throw;
        }
    }
}
