namespace Kist.Cli.Tests.EndToEnd.Registries;

/// <summary>
/// The reference registry, distribution's <c>docker-registry</c> from Debian, on 127.0.0.1 with a free port and a
/// private storage folder: plain HTTP without auth, or TLS (a fresh test CA) with htpasswd basic auth. For the TLS
/// one, the CA is installed for dockerd at <c>/etc/docker/certs.d/HOST/ca.crt</c> while it runs. Everything is
/// killed and removed on dispose.
/// </summary>
public sealed class ReferenceRegistry : IAsyncDisposable, ITestRegistry
{
    public const string Program = "/usr/bin/docker-registry";
    public const string DefaultPassword = "kist-test-secret";

    private readonly string _workDirectory;
    private RegistryServerProcess? _process;
    private string? _dockerCertDirectory;

    private ReferenceRegistry(string workDirectory) => _workDirectory = workDirectory;

    /// <summary>HOST:PORT, as in image references: <c>127.0.0.1:PORT</c>.</summary>
    public string Host { get; private set; } = "";
    public int Port { get; private set; }
    public bool IsTls { get; private set; }
    /// <summary><c>http://HOST</c> or <c>https://HOST</c>.</summary>
    public string Url => (IsTls ? "https://" : "http://") + Host;
    /// <summary>A folder in docker's <c>certs.d/HOST</c> layout holding <c>ca.crt</c> (for <c>--cert-dir</c>); null for plain HTTP.</summary>
    public string? CertDirectory { get; private set; }
    public string? CaCertificatePath { get; private set; }
    /// <summary>The htpasswd user; null when the registry has no auth.</summary>
    public string? Username { get; private set; }
    public string? Password { get; private set; }
    public string StorageDirectory => Path.Combine(_workDirectory, "storage");
    /// <summary>What the server printed so far (for failure messages).</summary>
    public string Log => _process?.Log ?? "";

    public static Task<ReferenceRegistry> StartPlainAsync() => StartAsync(tls: false, null, null);

    /// <summary>TLS with a fresh test CA, no auth.</summary>
    public static Task<ReferenceRegistry> StartTlsAsync() => StartAsync(tls: true, null, null);

    public static Task<ReferenceRegistry> StartTlsBasicAsync(string user = "kist", string password = DefaultPassword) =>
        StartAsync(tls: true, user, password);

    private static async Task<ReferenceRegistry> StartAsync(bool tls, string? user, string? password)
    {
        if (!File.Exists(Program)) throw new InvalidOperationException($"{Program} is missing: install docker-registry (scripts/setup.sh)");
        var registry = new ReferenceRegistry(Path.Combine(Path.GetTempPath(), $"kist-refreg-{Guid.NewGuid():N}"));
        try
        {
            await registry.InitializeAsync(tls, user, password);
            return registry;
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }
    }

    private async Task InitializeAsync(bool tls, string? user, string? password)
    {
        Directory.CreateDirectory(StorageDirectory);
        IsTls = tls;
        TestCertificates? certificates = null;
        string? htpasswd = null;
        if (tls)
        {
            certificates = TestCertificates.Create(Path.Combine(_workDirectory, "tls"));
            CaCertificatePath = certificates.CaCertificatePath;
        }
        if (user is not null)
        {
            Username = user;
            Password = password ?? throw new ArgumentNullException(nameof(password));
            htpasswd = Path.Combine(_workDirectory, "htpasswd");
            await File.WriteAllTextAsync(htpasswd, await Htpasswd.LineAsync(user, Password));
        }
        string config = Path.Combine(_workDirectory, "config.yml");
        var (process, port) = await RegistryServerProcess.StartAsync(Program, port =>
        {
            File.WriteAllText(config, Config(port, certificates, htpasswd));
            return ["serve", config];
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

    private string Config(int port, TestCertificates? certificates, string? htpasswd)
    {
        // YAML with JSON-quoted strings: paths may hold any character.
        static string Q(string s) => System.Text.Json.JsonSerializer.Serialize(s);
        var yaml = new System.Text.StringBuilder();
        yaml.AppendLine("version: 0.1");
        yaml.AppendLine("log:");
        yaml.AppendLine("  level: warn");
        yaml.AppendLine("  accesslog:");
        yaml.AppendLine("    disabled: true");
        yaml.AppendLine("storage:");
        yaml.AppendLine("  filesystem:");
        yaml.AppendLine($"    rootdirectory: {Q(StorageDirectory)}");
        yaml.AppendLine("  delete:");
        yaml.AppendLine("    enabled: true");
        yaml.AppendLine("http:");
        yaml.AppendLine($"  addr: 127.0.0.1:{port}");
        yaml.AppendLine($"  secret: {Q(Guid.NewGuid().ToString("N"))}");
        if (certificates is not null)
        {
            yaml.AppendLine("  tls:");
            yaml.AppendLine($"    certificate: {Q(certificates.ServerCertificatePath)}");
            yaml.AppendLine($"    key: {Q(certificates.ServerKeyPath)}");
        }
        if (htpasswd is not null)
        {
            yaml.AppendLine("auth:");
            yaml.AppendLine("  htpasswd:");
            yaml.AppendLine("    realm: kist-test");
            yaml.AppendLine($"    path: {Q(htpasswd)}");
        }
        return yaml.ToString();
    }

    /// <summary>An HTTP client for this registry that trusts its CA.</summary>
    public HttpClient CreateHttpClient() => TestCertificates.CreateHttpClient(CaCertificatePath);

    /// <summary><c>user:password</c> for <c>--creds</c>, or null.</summary>
    public string? Credentials => Username is null ? null : $"{Username}:{Password}";

    public async ValueTask DisposeAsync()
    {
        if (_process is not null) await _process.DisposeAsync();
        DockerCertificates.Remove(_dockerCertDirectory);
        try { Directory.Delete(_workDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
