using System.Text.Json;
using System.Text.Json.Serialization;
using Kist.Oci;

namespace Kist.Registry.Server;

/// <summary>
/// The registry's configuration file (JSON). Every field is optional; relative paths are resolved
/// against the file's folder. Example:
/// <code>
/// {
///   "addr": "127.0.0.1:5000", "storage": "/var/lib/kist-registry", "readOnly": false,
///   "tls": { "certificate": "server.crt", "key": "server.key" },
///   "auth": {
///     "mode": "token", "htpasswd": "htpasswd", "realm": "kist", "service": "kist-registry",
///     "issuer": "kist-registry", "tokenLifetimeSeconds": 300, "signingKey": "token-key.pem",
///     "access": [ { "user": "alice", "repositories": ["*"], "actions": ["pull", "push", "delete"] },
///                 { "user": "bob", "repositories": ["team/*"], "actions": ["pull"] } ]
///   },
///   "limits": { "maxChunkBytes": 10737418240, "maxBlobBytes": 107374182400 },
///   "gc": { "graceSeconds": 3600, "uploadTtlSeconds": 86400 },
///   "log": { "format": "json", "requests": true },
///   "shutdownTimeoutSeconds": 60
/// }
/// </code>
/// </summary>
public sealed record RegistryConfig
{
    [JsonPropertyName("addr")] public string? Addr { get; init; }
    [JsonPropertyName("storage")] public string? Storage { get; init; }
    [JsonPropertyName("readOnly")] public bool ReadOnly { get; init; }
    [JsonPropertyName("tls")] public TlsConfig? Tls { get; init; }
    [JsonPropertyName("auth")] public AuthConfig? Auth { get; init; }
    [JsonPropertyName("limits")] public LimitsConfig? Limits { get; init; }
    [JsonPropertyName("gc")] public GcConfig? Gc { get; init; }
    [JsonPropertyName("log")] public LogConfig? Log { get; init; }
    [JsonPropertyName("shutdownTimeoutSeconds")] public int? ShutdownTimeoutSeconds { get; init; }

    public static RegistryConfig Load(string path)
    {
        RegistryConfig? config;
        try
        {
            config = JsonSerializer.Deserialize(File.ReadAllBytes(path), RegistryJsonContext.Default.RegistryConfig);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"registry config {path}: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new NotFoundException($"registry config {path}: {e.Message}");
        }
        if (config is null) throw new InvalidInputException($"registry config {path}: empty");
        return config.ResolvePaths(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Makes relative paths absolute against <paramref name="baseDirectory"/>.</summary>
    public RegistryConfig ResolvePaths(string baseDirectory)
    {
        string? R(string? p) => p is null ? null : Path.GetFullPath(p, baseDirectory);
        return this with
        {
            Storage = R(Storage),
            Tls = Tls is null ? null : Tls with { Certificate = R(Tls.Certificate), Key = R(Tls.Key) },
            Auth = Auth is null ? null : Auth with { Htpasswd = R(Auth.Htpasswd), SigningKey = R(Auth.SigningKey) },
        };
    }
}

public sealed record TlsConfig
{
    [JsonPropertyName("certificate")] public string? Certificate { get; init; }
    [JsonPropertyName("key")] public string? Key { get; init; }
}

public sealed record AuthConfig
{
    /// <summary><c>none</c>, <c>basic</c> (htpasswd) or <c>token</c> (the registry issues its own bearer tokens).</summary>
    [JsonPropertyName("mode")] public string? Mode { get; init; }
    [JsonPropertyName("htpasswd")] public string? Htpasswd { get; init; }
    [JsonPropertyName("realm")] public string? Realm { get; init; }
    [JsonPropertyName("service")] public string? Service { get; init; }
    [JsonPropertyName("issuer")] public string? Issuer { get; init; }
    [JsonPropertyName("tokenLifetimeSeconds")] public int? TokenLifetimeSeconds { get; init; }
    /// <summary>A PEM EC P-256 private key that signs tokens; a fresh key per process when absent.</summary>
    [JsonPropertyName("signingKey")] public string? SigningKey { get; init; }
    /// <summary>Who may do what. Without rules, every authenticated user may pull, push and delete everywhere.</summary>
    [JsonPropertyName("access")] public IReadOnlyList<AccessRule>? Access { get; init; }
}

/// <summary>
/// A permission: <c>user</c> is a user name, <c>*</c> (any authenticated user) or <c>anonymous</c>;
/// <c>repositories</c> are names, <c>prefix/*</c> or <c>*</c>; <c>actions</c> are <c>pull</c>, <c>push</c>, <c>delete</c> or <c>*</c>.
/// </summary>
public sealed record AccessRule
{
    [JsonPropertyName("user")] public required string User { get; init; }
    [JsonPropertyName("repositories")] public required IReadOnlyList<string> Repositories { get; init; }
    [JsonPropertyName("actions")] public required IReadOnlyList<string> Actions { get; init; }
}

public sealed record LimitsConfig
{
    [JsonPropertyName("maxChunkBytes")] public long? MaxChunkBytes { get; init; }
    [JsonPropertyName("maxBlobBytes")] public long? MaxBlobBytes { get; init; }
}

public sealed record GcConfig
{
    [JsonPropertyName("graceSeconds")] public int? GraceSeconds { get; init; }
    [JsonPropertyName("uploadTtlSeconds")] public int? UploadTtlSeconds { get; init; }
}

public sealed record LogConfig
{
    /// <summary><c>json</c> (one JSON object a line) or <c>text</c>.</summary>
    [JsonPropertyName("format")] public string? Format { get; init; }
    [JsonPropertyName("requests")] public bool? Requests { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(RegistryConfig))]
[JsonSerializable(typeof(Auth.TokenResponse))]
[JsonSerializable(typeof(Auth.TokenClaims))]
[JsonSerializable(typeof(Auth.TokenHeader))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(TagList))]
[JsonSerializable(typeof(Catalog))]
public sealed partial class RegistryJsonContext : JsonSerializerContext;

public sealed record ErrorBody([property: JsonPropertyName("errors")] IReadOnlyList<ErrorEntry> Errors);

public sealed record ErrorEntry(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("detail")] string? Detail);

public sealed record TagList(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("tags")] IReadOnlyList<string> Tags);

public sealed record Catalog([property: JsonPropertyName("repositories")] IReadOnlyList<string> Repositories);
