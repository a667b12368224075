using System.Text.Json.Nodes;

namespace Kist.Cli.Tests.EndToEnd.Registries;

/// <summary>A user of a <see cref="KistTokenRegistry"/>: repositories are names, <c>prefix/*</c> or <c>*</c>; actions pull, push, delete or *.</summary>
public sealed record RegistryUser(string Name, string Password, IReadOnlyList<string> Repositories, IReadOnlyList<string> Actions);

/// <summary>
/// <c>kist registry serve</c> (the binary under test, see <see cref="KistProcess.KistBinary"/>) on 127.0.0.1 with a
/// free port: in bearer-token mode, where the server issues its own tokens at <c>/token</c> for htpasswd users with
/// per-user permissions, in htpasswd basic-auth mode with the same permissions, or plain without auth. Optionally over TLS with a fresh test CA (installed for dockerd).
/// </summary>
public sealed class KistTokenRegistry : IAsyncDisposable, ITestRegistry
{
    public const string DefaultUser = "kist", DefaultPassword = "kist-token-secret";
    public const string ReaderUser = "reader", ReaderPassword = "reader-secret";

    private readonly string _workDirectory;
    private RegistryServerProcess? _process;
    private string? _dockerCertDirectory;

    private KistTokenRegistry(string workDirectory) => _workDirectory = workDirectory;

    public string Host { get; private set; } = "";
    public int Port { get; private set; }
    public bool IsTls { get; private set; }
    public string Url => (IsTls ? "https://" : "http://") + Host;
    public string? CertDirectory { get; private set; }
    public string? CaCertificatePath { get; private set; }
    /// <summary>The first user (by default <c>kist</c>, who may do everything); null without auth.</summary>
    public string? Username => Users.Count > 0 ? Users[0].Name : null;
    public string? Password => Users.Count > 0 ? Users[0].Password : null;
    public string? Credentials => Username is null ? null : $"{Username}:{Password}";
    public IReadOnlyList<RegistryUser> Users { get; private set; } = [];
    public string StorageDirectory => Path.Combine(_workDirectory, "storage");
    public string Log => _process?.Log ?? "";

    /// <summary>The default users: <c>kist</c> may do everything, <c>reader</c> may only pull.</summary>
    public static IReadOnlyList<RegistryUser> DefaultUsers { get; } =
    [
        new(DefaultUser, DefaultPassword, ["*"], ["*"]),
        new(ReaderUser, ReaderPassword, ["*"], ["pull"]),
    ];

    /// <summary>Bearer-token auth: anonymous requests get 401 with <c>WWW-Authenticate: Bearer realm=".../token"</c>.</summary>
    public static Task<KistTokenRegistry> StartTokenAsync(IReadOnlyList<RegistryUser>? users = null, bool tls = false) =>
        StartAsync(users ?? DefaultUsers, tls, "token");

    /// <summary>htpasswd basic auth with the same per-user permissions: anonymous requests get <c>WWW-Authenticate: Basic</c>.</summary>
    public static Task<KistTokenRegistry> StartBasicAsync(IReadOnlyList<RegistryUser>? users = null, bool tls = false) =>
        StartAsync(users ?? DefaultUsers, tls, "basic");

    /// <summary>No auth at all, plain HTTP.</summary>
    public static Task<KistTokenRegistry> StartPlainAsync() => StartAsync([], tls: false, "none");

    private static async Task<KistTokenRegistry> StartAsync(IReadOnlyList<RegistryUser> users, bool tls, string authMode)
    {
        if (!File.Exists(KistProcess.KistBinary)) throw new InvalidOperationException($"{KistProcess.KistBinary} is missing: build the CLI or set KIST_BINARY");
        var registry = new KistTokenRegistry(Path.Combine(Path.GetTempPath(), $"kist-tokenreg-{Guid.NewGuid():N}"));
        try
        {
            await registry.InitializeAsync(users, tls, authMode);
            return registry;
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }
    }

    private async Task InitializeAsync(IReadOnlyList<RegistryUser> users, bool tls, string authMode)
    {
        Directory.CreateDirectory(StorageDirectory);
        string root = Path.Combine(_workDirectory, "root");
        Directory.CreateDirectory(root);
        Users = users;
        IsTls = tls;
        var config = new JsonObject { ["storage"] = StorageDirectory, ["log"] = new JsonObject { ["requests"] = false } };
        TestCertificates? certificates = null;
        if (tls)
        {
            certificates = TestCertificates.Create(Path.Combine(_workDirectory, "tls"));
            CaCertificatePath = certificates.CaCertificatePath;
            config["tls"] = new JsonObject { ["certificate"] = certificates.ServerCertificatePath, ["key"] = certificates.ServerKeyPath };
        }
        if (users.Count > 0)
        {
            string htpasswd = Path.Combine(_workDirectory, "htpasswd");
            var lines = new System.Text.StringBuilder();
            foreach (var user in users) lines.Append(await Htpasswd.LineAsync(user.Name, user.Password));
            await File.WriteAllTextAsync(htpasswd, lines.ToString());
            var access = new JsonArray();
            foreach (var user in users)
            {
                access.Add(new JsonObject
                {
                    ["user"] = user.Name,
                    ["repositories"] = new JsonArray([.. user.Repositories.Select(r => (JsonNode)JsonValue.Create(r))]),
                    ["actions"] = new JsonArray([.. user.Actions.Select(a => (JsonNode)JsonValue.Create(a))]),
                });
            }
            config["auth"] = new JsonObject
            {
                ["mode"] = authMode,
                ["htpasswd"] = htpasswd,
                ["service"] = "kist-test-registry",
                ["issuer"] = "kist-test-registry",
                ["access"] = access,
            };
        }
        string configPath = Path.Combine(_workDirectory, "registry.json");
        var (process, port) = await RegistryServerProcess.StartAsync(KistProcess.KistBinary, port =>
        {
            config["addr"] = $"127.0.0.1:{port}";
            File.WriteAllText(configPath, config.ToJsonString());
            return ["--root", root, "registry", "serve", "--config", configPath];
        }, tls ? "https" : "http", certificates?.CaCertificatePath);
        _process = process;
        Port = port;
        Host = $"127.0.0.1:{port}";
        if (certificates is not null)
        {
            CertDirectory = Path.Combine(_workDirectory, "certs.d", Host);
            Directory.CreateDirectory(CertDirectory);
            File.Copy(certificates.CaCertificatePath, Path.Combine(CertDirectory, "ca.crt"));
            _dockerCertDirectory = DockerCertificates.Install(Host, certificates.CaCertificatePath);
        }
    }

    public HttpClient CreateHttpClient() => TestCertificates.CreateHttpClient(CaCertificatePath);

    public async ValueTask DisposeAsync()
    {
        if (_process is not null) await _process.DisposeAsync();
        DockerCertificates.Remove(_dockerCertDirectory);
        try { Directory.Delete(_workDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
