// TEMPORARY: the credentials contract that reg-support lands in Credentials/; this file goes when theirs is on main.
using System.Text;
using System.Text.Json.Nodes;

namespace Kist.Registry.Credentials;

public sealed record RegistryCredential(string Username, string Secret, string? IdentityToken = null);

public interface ICredentialProvider
{
    ValueTask<RegistryCredential?> GetAsync(string registryHost, CancellationToken cancellationToken = default);
}

public sealed class DockerConfigCredentialStore(string? configDirectory = null) : ICredentialProvider
{
    private string ConfigFile => Path.Combine(configDirectory ?? Environment.GetEnvironmentVariable("DOCKER_CONFIG")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker"), "config.json");

    private static string Key(string host) => host == RegistryHosts.DockerHub ? RegistryHosts.DockerHubConfigKey : host;

    public ValueTask<RegistryCredential?> GetAsync(string registryHost, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(ConfigFile)) return ValueTask.FromResult<RegistryCredential?>(null);
        var auths = JsonNode.Parse(File.ReadAllText(ConfigFile))?["auths"]?.AsObject();
        if (auths?[Key(registryHost)]?["auth"]?.GetValue<string>() is not { } auth) return ValueTask.FromResult<RegistryCredential?>(null);
        string[] pair = Encoding.UTF8.GetString(Convert.FromBase64String(auth)).Split(':', 2);
        return ValueTask.FromResult<RegistryCredential?>(pair.Length == 2 ? new RegistryCredential(pair[0], pair[1]) : null);
    }

    public ValueTask StoreAsync(string registryHost, RegistryCredential credential, CancellationToken cancellationToken = default)
    {
        var root = File.Exists(ConfigFile) ? JsonNode.Parse(File.ReadAllText(ConfigFile))!.AsObject() : new JsonObject();
        if (root["auths"] is not JsonObject auths) root["auths"] = auths = new JsonObject();
        auths[Key(registryHost)] = new JsonObject { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.Username + ":" + credential.Secret)) };
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigFile)!);
        File.WriteAllText(ConfigFile, root.ToJsonString());
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> EraseAsync(string registryHost, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(ConfigFile)) return ValueTask.FromResult(false);
        var root = JsonNode.Parse(File.ReadAllText(ConfigFile))!.AsObject();
        bool removed = root["auths"] is JsonObject auths && auths.Remove(Key(registryHost));
        if (removed) File.WriteAllText(ConfigFile, root.ToJsonString());
        return ValueTask.FromResult(removed);
    }
}
