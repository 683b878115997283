using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace RawTls.Hosting.Internal;

/// <summary>
/// Finds configuration keys that bind to nothing (a misspelt <c>Mdoe</c> would otherwise be ignored silently), naming
/// each by its full path and listing the keys that exist there.
/// </summary>
internal static class UnknownKeys
{
    public static void Find(IConfiguration section, Type type, ConfigPath at, List<string> failures)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            PropertyInfo? property = type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            ConfigPath path = at[child.Key];
            if (property is null || !property.CanRead || property.GetIndexParameters().Length > 0)
            {
                failures.Add($"{path}: unknown key; {type.Name} has {string.Join(", ", KeysOf(type))}");
                continue;
            }

            Type propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            Type? element = ElementOf(propertyType);
            if (element is not null)
            {
                if (IsSection(element))
                {
                    foreach (IConfigurationSection item in child.GetChildren())
                    {
                        Find(item, element, path[item.Key], failures);
                    }
                }
            }
            else if (IsSection(propertyType))
            {
                Find(child, propertyType, path, failures);
            }
        }
    }

    private static IEnumerable<string> KeysOf(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && (p.CanWrite || ElementOf(p.PropertyType) is not null))
            .Select(p => p.Name);

    private static Type? ElementOf(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var d && (d == typeof(IList<>) || d == typeof(List<>)) ? type.GetGenericArguments()[0] : null;

    /// <summary>One of this library's option classes (bound key by key), as opposed to a value.</summary>
    private static bool IsSection(Type type) => type.IsClass && type != typeof(string) && type.Namespace?.StartsWith("RawTls", StringComparison.Ordinal) == true;
}
