namespace Kist.Registry.Auth;

/// <summary>A token for one scope, valid until shortly before it expires.</summary>
internal sealed record BearerToken(string Value, DateTimeOffset Expires)
{
    public bool IsValid => DateTimeOffset.UtcNow < Expires;
}
