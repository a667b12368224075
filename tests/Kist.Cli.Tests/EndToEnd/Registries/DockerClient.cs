namespace Kist.Cli.Tests.EndToEnd.Registries;

/// <summary>
/// The docker client with a private config folder (<c>docker --config DIR</c>), so that logins never touch the
/// machine's <c>~/.docker</c>. Images it tagged or pulled are removed, and the folder deleted, on dispose.
/// </summary>
public sealed class DockerClient : IAsyncDisposable
{
    private readonly List<string> _images = [];

    public DockerClient()
    {
        ConfigDirectory = Path.Combine(Path.GetTempPath(), $"kist-dockercfg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(ConfigDirectory);
    }

    /// <summary>The folder holding this client's <c>config.json</c> (pass it as DOCKER_CONFIG to other tools).</summary>
    public string ConfigDirectory { get; }

    /// <summary>Writes this client's <c>config.json</c> (for example <c>{"credsStore": "NAME"}</c>).</summary>
    public void WriteConfig(string json) => File.WriteAllText(Path.Combine(ConfigDirectory, "config.json"), json);

    public string ReadConfig() => File.ReadAllText(Path.Combine(ConfigDirectory, "config.json"));

    public async Task<RunResult> RunAsync(params string[] args)
    {
        var result = await KistProcess.ToolAsync("docker", ["--config", ConfigDirectory, .. args]);
        if (result.ExitCode != 0 && result.Stderr.Contains("Cannot connect to the Docker daemon"))
            throw new InvalidOperationException("dockerd is not running: start it with scripts/setup.sh (CI does)");
        return result;
    }

    public async Task<RunResult> RunOkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"docker {string.Join(' ', args)} exited {result.ExitCode}\nstdout: {result.Stdout}\nstderr: {result.Stderr}");
        return result;
    }

    /// <summary><c>docker login HOST -u USER --password-stdin</c>.</summary>
    public Task<RunResult> LoginAsync(string host, string user, string password) =>
        KistProcess.RunAsync("docker", ["--config", ConfigDirectory, "login", host, "-u", user, "--password-stdin"],
            new MemoryStream(System.Text.Encoding.UTF8.GetBytes(password)));

    /// <summary>Logs in to the registry's main user, when it has auth.</summary>
    public async Task LoginAsync(ITestRegistry registry)
    {
        if (registry.Username is null) return;
        (await LoginAsync(registry.Host, registry.Username, registry.Password!)).ShouldSucceed();
    }

    /// <summary>Remembers an image name to remove on dispose.</summary>
    public string Track(string image)
    {
        _images.Add(image);
        return image;
    }

    /// <summary>Imports a busybox rootfs as <paramref name="image"/>; returns its image ID.</summary>
    public async Task<string> ImportBusyboxAsync(string image, string scratchDirectory)
    {
        string tar = Path.Combine(scratchDirectory, $"busybox-{Guid.NewGuid():N}.tar");
        Rootfs.WriteBusyboxTar(tar);
        try
        {
            Track(image);
            return (await RunOkAsync("import", "--change", "CMD [\"echo\", \"hi from the registry\"]", tar, image)).Stdout.Trim();
        }
        finally
        {
            File.Delete(tar);
        }
    }

    /// <summary>The manifest digest of a pushed or pulled image: <c>sha256:…</c> from its RepoDigests.</summary>
    public async Task<string> RepoDigestAsync(string image)
    {
        string digests = (await RunOkAsync("image", "inspect", "--format", "{{range .RepoDigests}}{{println .}}{{end}}", image)).Stdout;
        string name = image[..image.LastIndexOf(':')];
        var line = digests.Split('\n', StringSplitOptions.RemoveEmptyEntries).First(l => l.StartsWith(name + "@", StringComparison.Ordinal));
        return line[(line.IndexOf('@') + 1)..];
    }

    public async ValueTask DisposeAsync()
    {
        if (_images.Count > 0) await KistProcess.RunAsync("docker", ["--config", ConfigDirectory, "rmi", "-f", .. _images]);
        try { Directory.Delete(ConfigDirectory, recursive: true); } catch (IOException) { }
    }
}
