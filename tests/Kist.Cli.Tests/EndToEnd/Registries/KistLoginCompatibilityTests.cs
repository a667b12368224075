using Kist.Registry.Credentials;
using Kist.TestSupport;

namespace Kist.Cli.Tests.EndToEnd.Registries;

/// <summary>
/// <c>kist login</c>/<c>logout</c> and the docker CLI share one docker config folder (<c>DOCKER_CONFIG</c>): a login
/// made by either is used by the other, with the secret in <c>config.json</c> or in a real credential helper.
/// </summary>
[Trait("Category", "Integration")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class KistLoginCompatibilityTests : IDisposable
{
    private readonly TestRoot _root = new("kist-root");
    private readonly TestRoot _scratch = new("kist-logincompat");

    public void Dispose()
    {
        _root.Dispose();
        _scratch.Dispose();
    }

    /// <summary>kist with <c>DOCKER_CONFIG</c> naming the docker client's own config folder.</summary>
    private Task<RunResult> KistAsync(string dockerConfig, string? stdin, params string[] args) =>
        KistProcess.KistWithEnvironmentAsync(_root.Path, new Dictionary<string, string> { ["DOCKER_CONFIG"] = dockerConfig },
            stdin is null ? null : new MemoryStream(System.Text.Encoding.UTF8.GetBytes(stdin)), args);

    [Theory]
    [InlineData("file")]
    [InlineData("credsStore")]
    public async Task Kist_login_and_docker_login_are_interchangeable(string mode)
    {
        if (mode == "credsStore") _ = CredentialHelperProgram.Directory;
        await using var registry = await ReferenceRegistry.StartTlsBasicAsync(password: "kist login: p@ss word");
        await using var docker = new DockerClient();
        if (mode == "credsStore") docker.WriteConfig("""{ "credsStore": "kisttest" }""");
        string config = docker.ConfigDirectory;
        string certs = registry.CertDirectory!;
        string image = $"{registry.Host}/kist-logincompat/busybox:{mode.ToLowerInvariant()}";
        await docker.ImportBusyboxAsync(image, _scratch.Path);

        // A wrong password is refused and stores nothing.
        var wrong = await KistAsync(config, "wrong", "login", "--cert-dir", certs, registry.Host, "-u", registry.Username!, "--password-stdin");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Null(await new DockerConfigCredentialStore(config).GetAsync(registry.Host));

        // kist login → docker pushes with it.
        var login = (await KistAsync(config, registry.Password, "login", "--cert-dir", certs, registry.Host, "-u", registry.Username!, "--password-stdin")).ShouldSucceed();
        Assert.Contains("Login Succeeded", login.Stdout);
        Assert.Equal(new RegistryCredential(registry.Username!, registry.Password!), await new DockerConfigCredentialStore(config).GetAsync(registry.Host));
        if (mode == "credsStore")
        {
            Assert.True(CredentialHelperProgram.Holds(registry.Host), "kist login did not use the credential helper");
            Assert.DoesNotContain(registry.Password!, docker.ReadConfig());
        }
        (await docker.RunAsync("push", image)).ShouldSucceed();

        // kist logout → docker is logged out too.
        Assert.Contains($"Removing login credentials for {registry.Host}", (await KistAsync(config, null, "logout", registry.Host)).ShouldSucceed().Stdout);
        Assert.NotEqual(0, (await docker.RunAsync("push", image)).ExitCode);
        Assert.Contains("Not logged in", (await KistAsync(config, null, "logout", registry.Host)).ShouldSucceed().Stdout);

        // docker login → kist pulls with it; docker logout → kist is refused.
        await docker.LoginAsync(registry);
        (await KistAsync(config, null, "pull", "-q", "--cert-dir", certs, image)).ShouldSucceed();
        (await docker.RunAsync("logout", registry.Host)).ShouldSucceed();
        (await KistAsync(config, null, "rmi", image)).ShouldSucceed();
        Assert.NotEqual(0, (await KistAsync(config, null, "pull", "-q", "--cert-dir", certs, image)).ExitCode);
    }
}
