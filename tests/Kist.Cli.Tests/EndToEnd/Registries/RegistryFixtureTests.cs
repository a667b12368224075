using System.Net;
using Kist.Registry.Credentials;

namespace Kist.Cli.Tests.EndToEnd.Registries;

/// <summary>
/// The registry fixtures work with the real clients: docker login/push/pull of a tiny busybox image and skopeo inspect,
/// against the reference registry (plain, and TLS with basic auth) and kist's own server (token auth, and plain).
/// </summary>
[Trait("Category", "Integration")]
public sealed class RegistryFixtureTests : IDisposable
{
    private readonly TestRoot _scratch = new("kist-regfixture");
    private readonly string _repository = "kist-fixture/busybox-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => _scratch.Dispose();

    /// <summary>docker push, skopeo sees the same digest, docker rmi + pull gives the same image ID.</summary>
    private async Task PushInspectPullAsync(DockerClient docker, ITestRegistry registry, string tag)
    {
        string image = $"{registry.Host}/{_repository}:{tag}";
        string id = await docker.ImportBusyboxAsync(image, _scratch.Path);
        var push = (await docker.RunOkAsync("push", image)).Stdout;
        Assert.Contains("digest: sha256:", push);
        string digest = await docker.RepoDigestAsync(image);
        Assert.Equal(digest, await Skopeo.DigestAsync(registry, $"{_repository}:{tag}"));
        Assert.True(Directory.EnumerateFileSystemEntries(registry.StorageDirectory, "*", SearchOption.AllDirectories).Any(), "the registry stored nothing");

        await docker.RunOkAsync("rmi", image);
        Assert.Contains("Downloaded newer image", (await docker.RunOkAsync("pull", image)).Stdout);
        Assert.Equal(id, (await docker.RunOkAsync("image", "inspect", "--format", "{{.Id}}", image)).Stdout.Trim());
        Assert.Equal(digest, await docker.RepoDigestAsync(image));
    }

    [Fact]
    public async Task Reference_registry_plain_serves_docker_and_skopeo()
    {
        await using var registry = await ReferenceRegistry.StartPlainAsync();
        await using var docker = new DockerClient();
        Assert.Null(registry.CertDirectory);
        using (var http = registry.CreateHttpClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(registry.Url + "/v2/")).StatusCode);
        }
        await PushInspectPullAsync(docker, registry, "plain");
    }

    [Fact]
    public async Task Reference_registry_with_tls_and_basic_auth_serves_logged_in_docker_and_skopeo()
    {
        await using var registry = await ReferenceRegistry.StartTlsBasicAsync();
        await using var docker = new DockerClient();
        Assert.True(File.Exists(Path.Combine(DockerCertificates.Root, registry.Host, "ca.crt")));
        Assert.True(File.Exists(Path.Combine(registry.CertDirectory!, "ca.crt")));

        // The certificate verifies against the test CA only, and the registry wants basic auth.
        using (var trusting = registry.CreateHttpClient())
        {
            var anonymous = await trusting.GetAsync(registry.Url + "/v2/");
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.StartsWith("Basic", anonymous.Headers.WwwAuthenticate.ToString());
        }
        using (var untrusting = TestCertificates.CreateHttpClient(null))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync(registry.Url + "/v2/"));
        }
        var refused = await Skopeo.InspectAsync(registry, $"{_repository}:none", credentials: "kist:wrong");
        Assert.NotEqual(0, refused.ExitCode);

        string image = $"{registry.Host}/{_repository}:tls";
        await docker.ImportBusyboxAsync(image, _scratch.Path);
        var anonymousPush = await docker.RunAsync("push", image);
        Assert.NotEqual(0, anonymousPush.ExitCode);
        Assert.NotEqual(0, (await docker.LoginAsync(registry.Host, registry.Username!, "wrong")).ExitCode);

        // What `docker login` writes is what Kist's credential store reads.
        await docker.LoginAsync(registry);
        var store = new DockerConfigCredentialStore(docker.ConfigDirectory);
        Assert.Equal(new RegistryCredential(registry.Username!, registry.Password!), await store.GetAsync(registry.Host));
        await PushInspectPullAsync(docker, registry, "tls");

        // And what Kist's store writes is what docker reads: log out, store through Kist, pull again.
        (await docker.RunAsync("logout", registry.Host)).ShouldSucceed();
        Assert.Null(await store.GetAsync(registry.Host));
        await docker.RunOkAsync("rmi", image);
        Assert.NotEqual(0, (await docker.RunAsync("pull", image)).ExitCode);
        await store.StoreAsync(registry.Host, new RegistryCredential(registry.Username!, registry.Password!));
        await docker.RunOkAsync("pull", image);
        Assert.True(await store.EraseAsync(registry.Host));
        Assert.NotEqual(0, (await docker.RunAsync("pull", image)).ExitCode);
    }

    [Fact]
    public async Task Reference_registry_with_tls_only_serves_skopeo_through_the_cert_dir()
    {
        await using var plain = await ReferenceRegistry.StartPlainAsync();
        await using var tls = await ReferenceRegistry.StartTlsAsync();
        await using var docker = new DockerClient();
        Assert.Null(tls.Username);
        await PushInspectPullAsync(docker, plain, "source");
        string copy = _scratch.File("image-dir");
        (await Skopeo.CopyFromAsync(plain, $"{_repository}:source", $"dir:{copy}")).ShouldSucceed();
        (await Skopeo.CopyToAsync(tls, $"dir:{copy}", $"{_repository}:copied")).ShouldSucceed();
        Assert.Equal(await Skopeo.DigestAsync(plain, $"{_repository}:source"), await Skopeo.DigestAsync(tls, $"{_repository}:copied"));
        // Without the CA, skopeo refuses the certificate. (Without --cert-dir, containers/image, like dockerd, reads
        // /etc/docker/certs.d/HOST, where the fixture installed the CA: an empty --cert-dir shuts that out.)
        string empty = _scratch.File("no-certs");
        Directory.CreateDirectory(empty);
        var untrusted = await KistProcess.ToolAsync("skopeo", "inspect", "--cert-dir", empty, $"docker://{tls.Host}/{_repository}:copied");
        Assert.NotEqual(0, untrusted.ExitCode);
        Assert.Contains("certificate", untrusted.Stderr);
    }

    [Fact]
    public async Task Kist_token_registry_issues_tokens_to_docker_and_skopeo_with_per_user_rights()
    {
        await using var registry = await KistTokenRegistry.StartTokenAsync();
        using (var http = registry.CreateHttpClient())
        {
            var anonymous = await http.GetAsync(registry.Url + "/v2/");
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Contains($"Bearer realm=\"{registry.Url}/token\"", anonymous.Headers.WwwAuthenticate.ToString());
        }
        await using (var docker = new DockerClient())
        {
            await docker.LoginAsync(registry);
            await PushInspectPullAsync(docker, registry, "token");
        }

        // The reader may pull but not push.
        await using var reader = new DockerClient();
        (await reader.LoginAsync(registry.Host, KistTokenRegistry.ReaderUser, KistTokenRegistry.ReaderPassword)).ShouldSucceed();
        string image = $"{registry.Host}/{_repository}:token";
        reader.Track(image);
        await reader.RunOkAsync("pull", image);
        string denied = reader.Track($"{registry.Host}/{_repository}:reader");
        await reader.RunOkAsync("tag", image, denied);
        var push = await reader.RunAsync("push", denied);
        Assert.NotEqual(0, push.ExitCode);
        Assert.Contains("denied", push.Stdout + push.Stderr, StringComparison.OrdinalIgnoreCase);
        (await Skopeo.InspectAsync(registry, $"{_repository}:token", credentials: $"{KistTokenRegistry.ReaderUser}:{KistTokenRegistry.ReaderPassword}")).ShouldSucceed();
        Assert.NotEqual(0, (await Skopeo.InspectAsync(registry, $"{_repository}:token", credentials: "reader:wrong")).ExitCode);
    }

    [Fact]
    public async Task Kist_registry_plain_and_tls_serve_skopeo()
    {
        await using var plain = await KistTokenRegistry.StartPlainAsync();
        await using var tls = await KistTokenRegistry.StartTokenAsync(tls: true);
        await using var docker = new DockerClient();
        await PushInspectPullAsync(docker, plain, "plain");

        // skopeo copies the image over TLS, verifying the test CA through --cert-dir and logging in with a token.
        string copy = _scratch.File("image-dir");
        (await Skopeo.CopyFromAsync(plain, $"{_repository}:plain", $"dir:{copy}")).ShouldSucceed();
        (await Skopeo.CopyToAsync(tls, $"dir:{copy}", $"{_repository}:copied")).ShouldSucceed();
        Assert.Equal(await Skopeo.DigestAsync(plain, $"{_repository}:plain"), await Skopeo.DigestAsync(tls, $"{_repository}:copied"));
    }
}
