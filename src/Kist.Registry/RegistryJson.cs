using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kist.Registry;

/// <summary>An OCI/Docker error body: <c>{"errors":[{"code":…,"message":…,"detail":…}]}</c>.</summary>
public sealed record ErrorBody
{
    [JsonPropertyName("errors")] public IReadOnlyList<ErrorEntry>? Errors { get; init; }
}

public sealed record ErrorEntry
{
    [JsonPropertyName("code")] public string? Code { get; init; }
    [JsonPropertyName("message")] public string? Message { get; init; }
    [JsonPropertyName("detail")] public JsonElement? Detail { get; init; }
}

/// <summary>A token endpoint's answer (Docker's token spec and OAuth2).</summary>
public sealed record TokenAnswer
{
    [JsonPropertyName("token")] public string? Token { get; init; }
    [JsonPropertyName("access_token")] public string? AccessToken { get; init; }
    [JsonPropertyName("expires_in")] public int? ExpiresIn { get; init; }
    [JsonPropertyName("refresh_token")] public string? RefreshToken { get; init; }
}

[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(TokenAnswer))]
[JsonSerializable(typeof(TagList))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;
