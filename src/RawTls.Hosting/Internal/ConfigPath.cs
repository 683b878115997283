namespace RawTls.Hosting.Internal;

/// <summary>Spells configuration keys the way <c>IConfiguration</c> does (<c>RawTls:Endpoints:0:Port</c>).</summary>
internal readonly struct ConfigPath(string path)
{
    public string Value { get; } = path;

    public ConfigPath this[string key] => new(Value.Length == 0 ? key : $"{Value}:{key}");

    public ConfigPath this[int index] => this[index.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    public override string ToString() => Value;
}
