using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kist.Oci;

namespace Kist.Registry.Credentials;

/// <summary>
/// Credentials in docker's <c>config.json</c>, read and written as the docker CLI does: <c>auths</c> entries
/// (<c>auth</c> = base64 "user:password", <c>identitytoken</c>), a global <c>credsStore</c> and per-registry
/// <c>credHelpers</c> that hand the secrets to <c>docker-credential-NAME</c> programs. Writing keeps every other
/// field of the file, and replaces the file atomically with mode 0600.
/// </summary>
public sealed class DockerConfigCredentialStore : ICredentialProvider
{
    private static readonly JsonDocumentOptions ReadOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <param name="configDirectory">The folder of <c>config.json</c>; null means <c>$DOCKER_CONFIG</c>, else <c>~/.docker</c>.</param>
    public DockerConfigCredentialStore(string? configDirectory = null)
    {
        ConfigDirectory = Path.GetFullPath(configDirectory ?? DefaultDirectory());
    }

    public string ConfigDirectory { get; }
    public string ConfigPath => Path.Combine(ConfigDirectory, "config.json");

    /// <summary>
    /// Told about problems that docker also only warns about (an unreadable file, a failing helper on lookup):
    /// the lookup then goes on as docker's does.
    /// </summary>
    public Action<string>? Warning { get; init; }

    /// <summary>The docker config folder used when none is given: <c>$DOCKER_CONFIG</c>, else <c>~/.docker</c>.</summary>
    public static string DefaultDirectory() =>
        Environment.GetEnvironmentVariable("DOCKER_CONFIG") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");

    /// <summary>The helper a registry's secrets go through (<c>credHelpers</c>, else <c>credsStore</c>), or null for the file.</summary>
    public CredentialHelper? HelperFor(string registryHost)
    {
        JsonObject? config;
        try { config = Load(); }
        catch (InvalidInputException) { return null; }
        return HelperFor(config, registryHost);
    }

    public async ValueTask<RegistryCredential?> GetAsync(string registryHost, CancellationToken cancellationToken = default)
    {
        JsonObject? config;
        try
        {
            config = Load();
        }
        catch (InvalidInputException e)
        {
            Warning?.Invoke(e.Message);
            return null;
        }
        string key = RegistryKeys.ConfigKey(registryHost);
        var entries = MatchingAuths(config, registryHost);
        RegistryCredential? fromFile = null;
        foreach (var (_, entry) in entries)
        {
            fromFile = Decode(entry);
            if (fromFile is not null) break;
        }
        var helper = HelperFor(config, registryHost);
        if (helper is null) return fromFile;

        // Like docker, ask for the canonical key; entries written by other tools under another spelling
        // of the same host (https://HOST, HOST/v2/) are asked for afterwards.
        var serverUrls = new List<string> { key };
        foreach (var (entryKey, _) in entries)
        {
            if (!serverUrls.Contains(entryKey, StringComparer.Ordinal)) serverUrls.Add(entryKey);
        }
        try
        {
            foreach (var serverUrl in serverUrls)
            {
                if (await helper.GetAsync(serverUrl, cancellationToken) is { } credential) return credential;
            }
            return null;
        }
        catch (CredentialHelperException e)
        {
            // docker ignores a failing helper on lookup and goes on with what the file holds.
            Warning?.Invoke(e.Message);
            return fromFile;
        }
    }

    /// <summary>What <c>docker login</c> saves: in the registry's helper when one is configured, else in <c>auths</c>.</summary>
    public async ValueTask StoreAsync(string registryHost, RegistryCredential credential, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credential);
        using var writeLock = await ConfigLock.AcquireAsync(ConfigDirectory, cancellationToken);
        var config = Load() ?? new JsonObject();
        string key = RegistryKeys.ConfigKey(registryHost);
        var helper = HelperFor(config, registryHost);
        if (helper is not null) await helper.StoreAsync(key, credential, cancellationToken);
        // docker adopts the platform's default helper for a config without credentials, and saves that choice.
        if (helper is not null && helper.IsDetectedDefault) config["credsStore"] = helper.Name;

        var auths = config["auths"] as JsonObject;
        if (auths is null)
        {
            auths = new JsonObject();
            config["auths"] = auths;
        }
        var entry = auths[key] as JsonObject ?? new JsonObject();
        auths[key] = entry;
        foreach (var name in new[] { "auth", "username", "password", "identitytoken", "serveraddress", "registrytoken" }) entry.Remove(name);
        if (helper is null)
        {
            // A helper keeps the secrets; the file then only records the registry, with an empty entry, as docker does.
            if (credential.Username.Length > 0 || credential.Secret.Length > 0)
            {
                entry["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.Username + ":" + credential.Secret));
            }
            if (credential.IdentityToken is { Length: > 0 } token) entry["identitytoken"] = token;
        }
        await SaveAsync(config, cancellationToken);
    }

    /// <summary>
    /// What <c>docker logout</c> removes: the registry's entries under every spelling of its host, and its secret in the
    /// helper. False when nothing was stored.
    /// </summary>
    public async ValueTask<bool> EraseAsync(string registryHost, CancellationToken cancellationToken = default)
    {
        bool exists = File.Exists(ConfigPath);
        if (!exists && DetectDefaultStore() is null) return false;
        using var writeLock = exists ? await ConfigLock.AcquireAsync(ConfigDirectory, cancellationToken) : null;
        var config = Load();
        string key = RegistryKeys.ConfigKey(registryHost);
        var entries = MatchingAuths(config, registryHost);
        bool removed = false;
        if (HelperFor(config, registryHost) is { } helper)
        {
            var serverUrls = new List<string> { key };
            foreach (var (entryKey, _) in entries)
            {
                if (!serverUrls.Contains(entryKey, StringComparer.Ordinal)) serverUrls.Add(entryKey);
            }
            foreach (var serverUrl in serverUrls) removed |= await helper.EraseAsync(serverUrl, cancellationToken);
        }
        if (entries.Count > 0 && config?["auths"] is JsonObject auths)
        {
            foreach (var (entryKey, _) in entries) auths.Remove(entryKey);
            removed = true;
            await SaveAsync(config, cancellationToken);
        }
        return removed;
    }

    private CredentialHelper? HelperFor(JsonObject? config, string registryHost)
    {
        if (config is null) return DetectDefaultStore();
        if (config["credHelpers"] is JsonObject helpers)
        {
            string key = RegistryKeys.ConfigKey(registryHost);
            if (StringValue(helpers[key]) is { Length: > 0 } exact) return new CredentialHelper(exact);
            foreach (var (helperKey, value) in helpers)
            {
                if (RegistryKeys.Matches(helperKey, registryHost) && StringValue(value) is { Length: > 0 } name) return new CredentialHelper(name);
            }
        }
        if (StringValue(config["credsStore"]) is { Length: > 0 } store) return new CredentialHelper(store);
        bool containsAuth = (config["auths"] as JsonObject)?.Count > 0 || (config["credHelpers"] as JsonObject)?.Count > 0;
        return containsAuth ? null : DetectDefaultStore();
    }

    /// <summary>
    /// docker's default on Linux for a config without any credentials: <c>pass</c> when both <c>pass</c> and its
    /// helper are installed, else <c>secretservice</c> when its helper is installed, else the file.
    /// </summary>
    private static CredentialHelper? DefaultStore()
    {
        string name = OnPath("pass") ? "pass" : "secretservice";
        return OnPath("docker-credential-" + name) ? new CredentialHelper(name) { IsDetectedDefault = true } : null;
    }

    /// <summary>How the platform's default helper is found (tests replace it rather than PATH, which all tests share).</summary>
    internal Func<CredentialHelper?> DetectDefaultStore { get; init; } = DefaultStore;

    private static bool OnPath(string program)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, program))) return true;
        }
        return false;
    }

    /// <summary>The <c>auths</c> entries naming the registry: the canonical key first, then other spellings in file order.</summary>
    private static List<(string Key, JsonObject Entry)> MatchingAuths(JsonObject? config, string registryHost)
    {
        var found = new List<(string, JsonObject)>();
        if (config?["auths"] is not JsonObject auths) return found;
        string key = RegistryKeys.ConfigKey(registryHost);
        if (auths[key] is JsonObject exact) found.Add((key, exact));
        foreach (var (entryKey, value) in auths)
        {
            if (entryKey != key && value is JsonObject entry && RegistryKeys.Matches(entryKey, registryHost)) found.Add((entryKey, entry));
        }
        return found;
    }

    /// <summary>An <c>auths</c> entry as docker reads it: <c>auth</c> wins over plain <c>username</c>/<c>password</c>.</summary>
    private RegistryCredential? Decode(JsonObject entry)
    {
        string username = StringValue(entry["username"]) ?? "", password = StringValue(entry["password"]) ?? "";
        if (StringValue(entry["auth"]) is { Length: > 0 } auth)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth.Trim()));
            }
            catch (FormatException)
            {
                Warning?.Invoke($"{ConfigPath}: an \"auth\" value is not base64; ignored");
                return null;
            }
            int colon = decoded.IndexOf(':');
            if (colon <= 0)
            {
                Warning?.Invoke($"{ConfigPath}: an \"auth\" value is not \"user:password\"; ignored");
                return null;
            }
            username = decoded[..colon];
            password = decoded[(colon + 1)..].Trim('\0');
        }
        string? token = StringValue(entry["identitytoken"]) is { Length: > 0 } t ? t : null;
        if (username.Length == 0 && password.Length == 0 && token is null) return null;
        return new RegistryCredential(username, password, token);
    }

    private static string? StringValue(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    /// <summary>The file as a JSON object, or null when there is none.</summary>
    private JsonObject? Load()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(ConfigPath);
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (IOException e) { throw new InvalidInputException($"cannot read {ConfigPath}: {e.Message}", e); }
        catch (UnauthorizedAccessException e) { throw new InvalidInputException($"cannot read {ConfigPath}: {e.Message}", e); }
        if (bytes.AsSpan().Trim((byte)' ').Trim("\r\n\t"u8).IsEmpty) return null;
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(bytes, documentOptions: ReadOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"{ConfigPath} is not valid JSON: {e.Message}", e);
        }
        return node as JsonObject ?? throw new InvalidInputException($"{ConfigPath} is not a JSON object");
    }

    /// <summary>Writes beside the file and renames over it (through a symlink to its target), so that readers see old or new, never half.</summary>
    private async ValueTask SaveAsync(JsonObject config, CancellationToken cancellationToken)
    {
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        string target = ConfigPath;
        if (new FileInfo(target).LinkTarget is not null && new FileInfo(target).ResolveLinkTarget(returnFinalTarget: true) is { } resolved)
        {
            target = resolved.FullName;
        }
        string temp = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = Private;
            await using (var stream = new FileStream(temp, options))
            {
                await using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, IndentCharacter = '\t', IndentSize = 1 }))
                {
                    config.WriteTo(writer);
                }
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }
}
