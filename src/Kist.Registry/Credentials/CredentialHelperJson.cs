using System.Text.Json.Serialization;

namespace Kist.Registry.Credentials;

/// <summary>The JSON a <c>docker-credential-*</c> program reads on <c>store</c> and writes on <c>get</c>.</summary>
internal sealed record HelperCredential(
    [property: JsonPropertyName("ServerURL")] string? ServerUrl,
    [property: JsonPropertyName("Username")] string? Username,
    [property: JsonPropertyName("Secret")] string? Secret);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(HelperCredential))]
internal sealed partial class CredentialJsonContext : JsonSerializerContext;
