namespace RawTls.Stapling.Internal;

/// <summary>What the stapler does with the held staple after a policy decision.</summary>
internal enum StapleAction
{
    /// <summary>Nothing changes: the published context stays.</summary>
    Keep,

    /// <summary>A new GOOD staple: publish it.</summary>
    Publish,

    /// <summary>The held staple left its serving window: publish a context without it.</summary>
    Drop,

    /// <summary>A REVOKED response was accepted: apply the revoked-certificate policy.</summary>
    Revoked,
}
