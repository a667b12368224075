using Kist.Cli.Tests.EndToEnd.Registries;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// kist push/pull/login against real registries: the reference docker-registry (plain, and TLS with htpasswd basic
/// auth and a test CA given through --cert-dir) and kist's own server (bearer tokens, and no auth), checked with
/// docker and skopeo on the same images.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PullPushTests : IDisposable
{
    private readonly TestRoot _root = new("kist-pullpush");
    private readonly TestRoot _scratch = new("kist-pullpush-scratch");
    private readonly string _repository = "kist-e2e/img-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose()
    {
        _root.Dispose();
        _scratch.Dispose();
    }

    private Dictionary<string, string> Environment => new() { ["DOCKER_CONFIG"] = Path.Combine(_scratch.Path, "kist-docker-config") };

    private Task<RunResult> KistAsync(params string[] args) => KistProcess.KistWithEnvironmentAsync(_root.Path, Environment, null, args);

    private static string[] TlsFlags(ITestRegistry registry) => registry.CertDirectory is { } dir ? ["--cert-dir", dir] : [];

    private async Task LoginAsync(ITestRegistry registry, string? user = null, string? password = null)
    {
        if (registry.Username is null) return;
        var login = await KistProcess.KistWithEnvironmentAsync(_root.Path, Environment,
            new MemoryStream(System.Text.Encoding.UTF8.GetBytes(password ?? registry.Password!)),
            ["login", "-u", user ?? registry.Username, "--password-stdin", .. TlsFlags(registry), registry.Host]);
        login.ShouldSucceed();
        Assert.Contains("Login Succeeded", login.Stdout);
    }

    private async Task<string> ImportAsync(string image)
    {
        string tar = _scratch.File($"rootfs-{Guid.NewGuid():N}.tar");
        Rootfs.WriteBusyboxTar(tar);
        var result = (await KistAsync("import", "--change", "CMD [\"echo\", \"hi from kist\"]", tar, image)).ShouldSucceed();
        return result.Stdout.Trim();
    }

    /// <summary>kist push; docker pull and skopeo inspect see the digest kist printed; docker runs the image.</summary>
    private async Task KistPushDockerPullAsync(ITestRegistry registry)
    {
        await using var docker = new DockerClient();
        await LoginAsync(registry);
        string image = $"{registry.Host}/{_repository}:kist";
        string id = await ImportAsync(image);
        var push = (await KistAsync(["push", .. TlsFlags(registry), image])).ShouldSucceed();
        Assert.Contains($"The push refers to repository [{registry.Host}/{_repository}]", push.Stdout);
        var digestLine = push.Lines.Single(l => l.StartsWith("kist: digest: sha256:", StringComparison.Ordinal));
        string digest = digestLine.Split(' ')[2];
        Assert.Matches(@"^kist: digest: sha256:[0-9a-f]{64} size: \d+$", digestLine);

        Assert.Equal(digest, await Skopeo.DigestAsync(registry, $"{_repository}:kist"));
        await docker.LoginAsync(registry);
        docker.Track(image);
        await docker.RunOkAsync("pull", image);
        Assert.Equal(digest, await docker.RepoDigestAsync(image));
        Assert.Equal(id, (await docker.RunOkAsync("image", "inspect", "--format", "{{.Id}}", image)).Stdout.Trim());
        Assert.Equal("hi from kist", (await docker.RunOkAsync("run", "--rm", image)).Stdout.Trim());

        // Pushing again uploads nothing.
        var again = (await KistAsync(["push", .. TlsFlags(registry), image])).ShouldSucceed();
        Assert.Contains("Layer already exists", again.Stdout);
        Assert.Contains(digestLine, again.Stdout);
    }

    /// <summary>docker push; kist pull gives the same image ID and records the RepoDigest docker has.</summary>
    private async Task DockerPushKistPullAsync(ITestRegistry registry)
    {
        await using var docker = new DockerClient();
        await docker.LoginAsync(registry);
        await LoginAsync(registry);
        string image = $"{registry.Host}/{_repository}:docker";
        string id = await docker.ImportBusyboxAsync(image, _scratch.Path);
        await docker.RunOkAsync("push", image);
        string digest = await docker.RepoDigestAsync(image);

        var pull = (await KistAsync(["pull", .. TlsFlags(registry), image])).ShouldSucceed();
        Assert.Contains($"docker: Pulling from {_repository}", pull.Stdout);
        Assert.Contains("Pull complete", pull.Stdout);
        Assert.Contains("Digest: " + digest, pull.Stdout);
        Assert.Contains("Status: Downloaded newer image for " + image, pull.Stdout);
        Assert.Equal(image, pull.Lines[^1]);
        Assert.Equal(id, (await KistAsync("inspect", "--format", "{{.Id}}", image)).ShouldSucceed().Stdout.Trim());
        Assert.Equal($"{registry.Host}/{_repository}@{digest}", (await KistAsync("inspect", "--format", "{{range .RepoDigests}}{{.}}{{end}}", image)).ShouldSucceed().Stdout.Trim());

        var again = (await KistAsync(["pull", .. TlsFlags(registry), image])).ShouldSucceed();
        Assert.Contains("Status: Image is up to date for " + image, again.Stdout);
        var quiet = (await KistAsync(["pull", "-q", .. TlsFlags(registry), image])).ShouldSucceed();
        Assert.Equal(image, quiet.Stdout.Trim());
    }

    [Fact]
    public async Task Reference_registry_plain_kist_push_docker_pull()
    {
        await using var registry = await ReferenceRegistry.StartPlainAsync();
        await KistPushDockerPullAsync(registry);
    }

    [Fact]
    public async Task Reference_registry_plain_docker_push_kist_pull()
    {
        await using var registry = await ReferenceRegistry.StartPlainAsync();
        await DockerPushKistPullAsync(registry);
    }

    [Fact]
    public async Task Reference_registry_tls_basic_kist_push_docker_pull()
    {
        await using var registry = await ReferenceRegistry.StartTlsBasicAsync();
        await KistPushDockerPullAsync(registry);
    }

    [Fact]
    public async Task Reference_registry_tls_basic_docker_push_kist_pull_and_login_errors()
    {
        await using var registry = await ReferenceRegistry.StartTlsBasicAsync();
        await DockerPushKistPullAsync(registry);

        var wrong = await KistProcess.KistWithEnvironmentAsync(_root.Path, Environment, new MemoryStream("nope"u8.ToArray()),
            ["login", "-u", registry.Username!, "--password-stdin", .. TlsFlags(registry), registry.Host]);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("unauthorized", wrong.Stderr);

        // Without the test CA the certificate is refused, with a hint.
        var untrusted = await KistAsync("pull", "--cert-dir", _scratch.Path, $"{registry.Host}/{_repository}:docker");
        Assert.Equal(1, untrusted.ExitCode);
        Assert.Contains("--cert-dir", untrusted.Stderr);

        var logout = (await KistAsync("logout", registry.Host)).ShouldSucceed();
        Assert.Contains("Removing login credentials for " + registry.Host, logout.Stdout);
        var anonymous = await KistAsync(["pull", .. TlsFlags(registry), $"{registry.Host}/{_repository}:docker"]);
        Assert.Equal(1, anonymous.ExitCode);
        Assert.Contains("unauthorized", anonymous.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Several_layers_round_trip_push_rmi_pull_unchanged()
    {
        await using var registry = await ReferenceRegistry.StartPlainAsync();
        await using var docker = new DockerClient();
        string baseImage = $"{registry.Host}/{_repository}-base:1";
        await docker.ImportBusyboxAsync(baseImage, _scratch.Path);
        string context = Directory.CreateDirectory(_scratch.File("context")).FullName;
        for (int i = 0; i < 3; i++) await File.WriteAllBytesAsync(Path.Combine(context, $"f{i}"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(200_000 * (i + 1)));
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"FROM {baseImage}\nCOPY f0 /f0\nCOPY f1 /f1\nRUN [\"/bin/busybox\", \"cp\", \"/f1\", \"/f3\"]\nCOPY f2 /f2\n");
        string built = docker.Track($"{registry.Host}/{_repository}:layers");
        await docker.RunOkAsync("build", "-q", "--no-cache", "-t", built, context);
        string archive = _scratch.File("layers.tar");
        await docker.RunOkAsync("save", "-o", archive, built);
        (await KistAsync("load", "-i", archive)).ShouldSucceed();

        string before = (await KistAsync("inspect", "--format", "{{.Id}} {{.RootFS.Layers}} {{.Config.Cmd}}", built)).ShouldSucceed().Stdout;
        var push = (await KistAsync("push", built)).ShouldSucceed();
        Assert.Equal(5, push.Lines.Count(l => l.EndsWith(": Pushed ", StringComparison.Ordinal) || l.EndsWith(": Pushed", StringComparison.Ordinal)));
        string digest = push.Lines[^1].Split(' ')[2];
        (await KistAsync("rmi", built)).ShouldSucceed();
        Assert.NotEqual(0, (await KistAsync("inspect", built)).ExitCode);

        var pull = (await KistAsync("pull", built)).ShouldSucceed();
        Assert.Contains("Digest: " + digest, pull.Stdout);
        Assert.Equal(before, (await KistAsync("inspect", "--format", "{{.Id}} {{.RootFS.Layers}} {{.Config.Cmd}}", built)).ShouldSucceed().Stdout);
        (await KistAsync("system", "check")).ShouldSucceed();
    }

    [Fact]
    public async Task Kist_registry_with_bearer_tokens()
    {
        await using var registry = await KistTokenRegistry.StartTokenAsync();
        string image = $"{registry.Host}/{_repository}:token";
        await ImportAsync(image);
        var anonymous = await KistAsync("push", image);
        Assert.Equal(1, anonymous.ExitCode);
        Assert.Contains("unauthorized", anonymous.Stderr, StringComparison.OrdinalIgnoreCase);

        await LoginAsync(registry, KistTokenRegistry.ReaderUser, KistTokenRegistry.ReaderPassword);
        var denied = await KistAsync("push", image);
        Assert.Equal(1, denied.ExitCode);

        await LoginAsync(registry);
        var push = (await KistAsync("push", image)).ShouldSucceed();
        string digest = push.Lines[^1].Split(' ')[2];
        Assert.Equal(digest, await Skopeo.DigestAsync(registry, $"{_repository}:token"));
        (await KistAsync("rmi", image)).ShouldSucceed();
        var pull = (await KistAsync("pull", image)).ShouldSucceed();
        Assert.Contains("Digest: " + digest, pull.Stdout);

        // Another repository of the same registry gets the layer by cross-repository mount.
        var copy = (await KistAsync("push", image, $"{registry.Host}/{_repository}-copy:1")).ShouldSucceed();
        Assert.Contains("Mounted from " + _repository, copy.Stdout);
    }

    [Fact]
    public async Task Kist_registry_with_basic_auth_over_tls()
    {
        await using var registry = await KistTokenRegistry.StartBasicAsync(tls: true);
        string image = $"{registry.Host}/{_repository}:basic";
        string id = await ImportAsync(image);
        var anonymous = await KistAsync(["push", .. TlsFlags(registry), image]);
        Assert.Equal(1, anonymous.ExitCode);
        Assert.Contains("unauthorized", anonymous.Stderr, StringComparison.OrdinalIgnoreCase);

        await LoginAsync(registry, KistTokenRegistry.ReaderUser, KistTokenRegistry.ReaderPassword);
        var denied = await KistAsync(["push", .. TlsFlags(registry), image]);
        Assert.Equal(1, denied.ExitCode);
        Assert.Contains("denied", denied.Stderr, StringComparison.OrdinalIgnoreCase);

        await LoginAsync(registry);
        var push = (await KistAsync(["push", .. TlsFlags(registry), image])).ShouldSucceed();
        string digest = push.Lines[^1].Split(' ')[2];
        Assert.Equal(digest, await Skopeo.DigestAsync(registry, $"{_repository}:basic"));
        (await KistAsync("rmi", image)).ShouldSucceed();
        var pull = (await KistAsync(["pull", .. TlsFlags(registry), image])).ShouldSucceed();
        Assert.Contains("Digest: " + digest, pull.Stdout);
        Assert.Equal(id, (await KistAsync("inspect", "--format", "{{.Id}}", image)).ShouldSucceed().Stdout.Trim());
    }

    [Fact]
    public async Task Kist_registry_without_auth()
    {
        await using var registry = await KistTokenRegistry.StartPlainAsync();
        string image = $"{registry.Host}/{_repository}:plain";
        string id = await ImportAsync(image);
        var push = (await KistAsync("push", "-q", image)).ShouldSucceed();
        Assert.Equal(image, push.Stdout.Trim());
        (await KistAsync("rmi", image)).ShouldSucceed();
        (await KistAsync("pull", "-q", image)).ShouldSucceed();
        Assert.Equal(id, (await KistAsync("inspect", "--format", "{{.Id}}", image)).ShouldSucceed().Stdout.Trim());
        var missing = await KistAsync("pull", $"{registry.Host}/{_repository}:nope");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("not found", missing.Stderr);
    }
}
