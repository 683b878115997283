using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace RawTls.Internal;

/// <summary>Range checks for options at start: the error names the option and the allowed range.</summary>
internal static class OptionCheck
{
    public static void Range(string option, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            Throw(option, value.ToString("N0", CultureInfo.InvariantCulture), $"{min.ToString("N0", CultureInfo.InvariantCulture)} to {max.ToString("N0", CultureInfo.InvariantCulture)}");
        }
    }

    public static void Range(string option, double value, double min, double max)
    {
        if (double.IsNaN(value) || value < min || value > max)
        {
            Throw(option, value.ToString(CultureInfo.InvariantCulture), $"{min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    public static void Range(string option, TimeSpan value, TimeSpan min, TimeSpan max, bool allowInfinite = false)
    {
        if (allowInfinite && value == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        if (value < min || value > max)
        {
            Throw(option, value.ToString("c", CultureInfo.InvariantCulture), $"{min:c} to {max:c}{(allowInfinite ? " (or infinite)" : "")}");
        }
    }

    public static void NotNull(string option, object? value)
    {
        if (value is null)
        {
            Throw(option, "null", "a value");
        }
    }

    [DoesNotReturn]
    public static void Throw(string option, string value, string allowed) =>
        throw new ArgumentOutOfRangeException(option, $"{option} is {value}; allowed: {allowed}.");
}
