using System.Text.Json.Nodes;
using Kist.Registry.Credentials;
using Kist.TestSupport;

namespace Kist.Cli.Tests.EndToEnd.Registries;

/// <summary>
/// Kist and the docker CLI share logins through the same <c>config.json</c> and the same real credential helper
/// program: what one stores, the other uses, for a global <c>credsStore</c> and for per-registry <c>credHelpers</c>.
/// </summary>
[Trait("Category", "Integration")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CredentialHelperCompatibilityTests : IDisposable
{
    private readonly TestRoot _scratch = new("kist-credcompat");

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData("credsStore")]
    [InlineData("credHelpers")]
    public async Task Docker_and_kist_share_logins_through_a_credential_helper(string mode)
    {
        _ = CredentialHelperProgram.Directory;
        await using var registry = await ReferenceRegistry.StartTlsBasicAsync(password: "p@ss:word with spaces");
        await using var docker = new DockerClient();
        docker.WriteConfig(mode == "credsStore"
            ? """{ "credsStore": "kisttest", "psFormat": "table ID" }"""
            : $$"""{ "credHelpers": { "{{registry.Host}}": "kisttest" }, "psFormat": "table ID" }""");
        var store = new DockerConfigCredentialStore(docker.ConfigDirectory);
        var credential = new RegistryCredential(registry.Username!, registry.Password!);

        // docker login hands the secret to the helper; kist finds it there.
        await docker.LoginAsync(registry);
        Assert.True(CredentialHelperProgram.Holds(registry.Host), "docker login did not use the helper");
        Assert.DoesNotContain(registry.Password!, docker.ReadConfig());
        Assert.Equal(credential, await store.GetAsync(registry.Host));

        // docker logout erases it in the helper; kist sees no login.
        (await docker.RunAsync("logout", registry.Host)).ShouldSucceed();
        Assert.False(CredentialHelperProgram.Holds(registry.Host));
        Assert.Null(await store.GetAsync(registry.Host));

        // kist stores through the helper; docker pushes with it.
        await store.StoreAsync(registry.Host, credential);
        Assert.True(CredentialHelperProgram.Holds(registry.Host), "kist did not use the helper");
        var config = JsonNode.Parse(docker.ReadConfig())!;
        Assert.Equal("{}", config["auths"]![registry.Host]!.ToJsonString());
        Assert.Equal("table ID", (string?)config["psFormat"]);
        string image = $"{registry.Host}/kist-credcompat/busybox:{mode.ToLowerInvariant()}";
        await docker.ImportBusyboxAsync(image, _scratch.Path);
        (await docker.RunAsync("push", image)).ShouldSucceed();

        // kist erases it; docker is logged out.
        Assert.True(await store.EraseAsync(registry.Host));
        Assert.False(CredentialHelperProgram.Holds(registry.Host));
        Assert.NotEqual(0, (await docker.RunAsync("push", image)).ExitCode);
    }
}
