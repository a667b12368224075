using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kist.Registry.Server.Auth;

/// <summary>One granted scope of a token: <c>repository:NAME:pull,push</c> as JSON.</summary>
public sealed record TokenAccess(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("actions")] IReadOnlyList<string> Actions);

public sealed record TokenClaims
{
    [JsonPropertyName("iss")] public required string Issuer { get; init; }
    [JsonPropertyName("sub")] public string? Subject { get; init; }
    [JsonPropertyName("aud")] public required string Audience { get; init; }
    [JsonPropertyName("exp")] public long Expires { get; init; }
    [JsonPropertyName("nbf")] public long NotBefore { get; init; }
    [JsonPropertyName("iat")] public long IssuedAt { get; init; }
    [JsonPropertyName("jti")] public required string Id { get; init; }
    [JsonPropertyName("access")] public IReadOnlyList<TokenAccess> Access { get; init; } = [];
}

public sealed record TokenHeader
{
    [JsonPropertyName("alg")] public required string Algorithm { get; init; }
    [JsonPropertyName("typ")] public string? Type { get; init; }
    [JsonPropertyName("kid")] public string? KeyId { get; init; }
}

public sealed record TokenResponse
{
    [JsonPropertyName("token")] public required string Token { get; init; }
    [JsonPropertyName("access_token")] public required string AccessToken { get; init; }
    [JsonPropertyName("expires_in")] public int ExpiresIn { get; init; }
    [JsonPropertyName("issued_at")] public required string IssuedAt { get; init; }
}

/// <summary>Issues and validates the registry's own bearer tokens: ES256-signed JWTs with distribution's <c>access</c> claim.</summary>
public sealed class TokenService : IDisposable
{
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);
    private readonly ECDsa _key;
    private readonly string _keyId;
    private readonly string _issuer, _audience;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;

    public TokenService(string issuer, string audience, TimeSpan lifetime, string? keyPemPath = null, TimeProvider? time = null)
    {
        _issuer = issuer;
        _audience = audience;
        _lifetime = lifetime;
        _time = time ?? TimeProvider.System;
        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (keyPemPath is not null) _key.ImportFromPem(File.ReadAllText(keyPemPath));
        _keyId = Convert.ToHexStringLower(SHA256.HashData(_key.ExportSubjectPublicKeyInfo()))[..16];
    }

    public TimeSpan Lifetime => _lifetime;

    public string Issue(string? subject, IReadOnlyList<TokenAccess> access)
    {
        var now = _time.GetUtcNow();
        var header = new TokenHeader { Algorithm = "ES256", Type = "JWT", KeyId = _keyId };
        var claims = new TokenClaims
        {
            Issuer = _issuer, Subject = subject, Audience = _audience, Id = Guid.NewGuid().ToString("N"),
            IssuedAt = now.ToUnixTimeSeconds(), NotBefore = now.ToUnixTimeSeconds(), Expires = (now + _lifetime).ToUnixTimeSeconds(),
            Access = access,
        };
        string signingInput = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header, RegistryJsonContext.Default.TokenHeader)) + "." +
                              Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims, RegistryJsonContext.Default.TokenClaims));
        byte[] signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Base64Url(signature);
    }

    /// <summary>The claims of a token this service signed that is valid now, or null.</summary>
    public TokenClaims? Validate(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3) return null;
        try
        {
            var header = JsonSerializer.Deserialize(FromBase64Url(parts[0]), RegistryJsonContext.Default.TokenHeader);
            if (header?.Algorithm != "ES256") return null;
            if (!_key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromBase64Url(parts[2]), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)) return null;
            var claims = JsonSerializer.Deserialize(FromBase64Url(parts[1]), RegistryJsonContext.Default.TokenClaims);
            if (claims is null || claims.Issuer != _issuer || claims.Audience != _audience) return null;
            var now = _time.GetUtcNow();
            if (DateTimeOffset.FromUnixTimeSeconds(claims.Expires) + Skew < now || DateTimeOffset.FromUnixTimeSeconds(claims.NotBefore) - Skew > now) return null;
            return claims;
        }
        catch (Exception e) when (e is JsonException or FormatException or CryptographicException)
        {
            return null;
        }
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4));
    }

    public void Dispose() => _key.Dispose();
}
