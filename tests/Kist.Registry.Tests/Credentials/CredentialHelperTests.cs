using System.Text;
using System.Text.Json.Nodes;
using Kist.Registry.Credentials;
using Kist.TestSupport;

namespace Kist.Registry.Tests.Credentials;

/// <summary>credsStore and credHelpers through a real helper program, docker-credential-kisttest.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CredentialHelperTests
{
    private static string UniqueHost(string label = "reg") => $"{label}-{Guid.NewGuid():N}.test";

    [Fact]
    public async Task CredsStore_keeps_secrets_in_the_helper_and_an_empty_entry_in_the_file()
    {
        _ = CredentialHelperProgram.Directory;
        using var dir = new TempConfigDir();
        dir.Write("""{ "credsStore": "kisttest", "psFormat": "x" }""");
        var store = new DockerConfigCredentialStore(dir.Path);
        string host = UniqueHost();

        Assert.Null(await store.GetAsync(host)); // "credentials not found in native keychain" is no credential, not an error
        await store.StoreAsync(host, new RegistryCredential("alice", "pa:ss\"word"));
        Assert.Equal(new RegistryCredential("alice", "pa:ss\"word"), await store.GetAsync(host));
        Assert.Equal(new RegistryCredential("alice", "pa:ss\"word"), await store.GetAsync("https://" + host));

        var json = JsonNode.Parse(dir.Read())!;
        Assert.Equal("{}", json["auths"]![host]!.ToJsonString());
        Assert.Equal("x", (string?)json["psFormat"]);
        Assert.DoesNotContain("alice", dir.Read());

        // What the helper saw, as docker sends it: the bare server URL for get/erase, JSON for store.
        var calls = CredentialHelperProgram.CallsMentioning(host);
        Assert.Contains($"get {host}", calls);
        Assert.Contains(calls, c => c.StartsWith("store {", StringComparison.Ordinal) && c.Contains($"\"ServerURL\":\"{host}\"") && c.Contains("\"Username\":\"alice\""));

        Assert.True(await store.EraseAsync(host));
        Assert.Null(await store.GetAsync(host));
        Assert.Null(JsonNode.Parse(dir.Read())!["auths"]![host]);
        Assert.False(await store.EraseAsync(host));
    }

    [Fact]
    public async Task Docker_hub_goes_to_the_helper_under_docker_s_key()
    {
        _ = CredentialHelperProgram.Directory;
        using var dir = new TempConfigDir();
        // A private helper store per test would be nicer; the hub key is shared, so this test erases it at the end.
        dir.Write("""{ "credHelpers": { "https://index.docker.io/v1/": "kisttest" } }""");
        var store = new DockerConfigCredentialStore(dir.Path);
        try
        {
            await store.StoreAsync("docker.io", new RegistryCredential("hub", "pw"));
            Assert.Equal(new RegistryCredential("hub", "pw"), await store.GetAsync("registry-1.docker.io"));
            Assert.Contains("get https://index.docker.io/v1/", CredentialHelperProgram.CallsMentioning("https://index.docker.io/v1/"));
        }
        finally
        {
            await store.EraseAsync("docker.io");
        }
    }

    [Fact]
    public async Task CredHelpers_choose_a_helper_per_registry()
    {
        _ = CredentialHelperProgram.Directory;
        using var dir = new TempConfigDir();
        string helped = UniqueHost("helped"), plain = UniqueHost("plain");
        dir.Write($$"""{ "credHelpers": { "{{helped}}": "kisttest" } }""");
        var store = new DockerConfigCredentialStore(dir.Path);
        await store.StoreAsync(helped, new RegistryCredential("h", "hp"));
        await store.StoreAsync(plain, new RegistryCredential("p", "pp"));

        var auths = JsonNode.Parse(dir.Read())!["auths"]!;
        Assert.Equal("{}", auths[helped]!.ToJsonString());
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("p:pp")), (string?)auths[plain]!["auth"]);
        Assert.Equal(new RegistryCredential("h", "hp"), await store.GetAsync(helped));
        Assert.Equal(new RegistryCredential("p", "pp"), await store.GetAsync(plain));
        Assert.Empty(CredentialHelperProgram.CallsMentioning(plain));
        Assert.True(await store.EraseAsync(helped));
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(CredentialHelperProgram.Directory, "store")), f => File.ReadAllText(f).Contains(helped));
    }

    [Fact]
    public async Task Identity_tokens_travel_as_the_token_username()
    {
        _ = CredentialHelperProgram.Directory;
        using var dir = new TempConfigDir();
        dir.Write("""{ "credsStore": "kisttest" }""");
        var store = new DockerConfigCredentialStore(dir.Path);
        string host = UniqueHost();
        await store.StoreAsync(host, new RegistryCredential("someone", "", "refresh-token-1"));
        var sent = JsonNode.Parse(Assert.Single(CredentialHelperProgram.CallsMentioning(host), c => c.StartsWith("store ", StringComparison.Ordinal))["store ".Length..])!;
        Assert.Equal("<token>", (string?)sent["Username"]);
        Assert.Equal("refresh-token-1", (string?)sent["Secret"]);
        Assert.Equal(new RegistryCredential("", "", "refresh-token-1"), await store.GetAsync(host));
        await store.EraseAsync(host);
    }

    [Fact]
    public async Task A_failing_helper_is_an_error_on_store_and_a_warning_on_lookup()
    {
        _ = CredentialHelperProgram.Directory;
        using var dir = new TempConfigDir();
        string host = UniqueHost("helper-fails");
        dir.Write($$"""{ "credsStore": "kisttest", "auths": { "{{host}}": { "auth": "{{Convert.ToBase64String(Encoding.UTF8.GetBytes("file:cred"))}}" } } }""");
        string before = dir.Read();
        var warnings = new List<string>();
        var store = new DockerConfigCredentialStore(dir.Path) { Warning = warnings.Add };

        var error = await Assert.ThrowsAsync<CredentialHelperException>(async () => await store.StoreAsync(host, new RegistryCredential("a", "b")));
        Assert.Contains("docker-credential-kisttest store", error.Message);
        Assert.Contains("the keychain is locked", error.Message);
        Assert.Equal(before, dir.Read());

        // docker goes on with what the file holds when the helper fails on lookup.
        Assert.Equal(new RegistryCredential("file", "cred"), await store.GetAsync(host));
        Assert.Contains("the keychain is locked", Assert.Single(warnings));
    }

    [Fact]
    public async Task A_missing_helper_program_is_named()
    {
        using var dir = new TempConfigDir();
        dir.Write("""{ "credsStore": "kist-no-such-helper" }""");
        var warnings = new List<string>();
        var store = new DockerConfigCredentialStore(dir.Path) { Warning = warnings.Add };
        var error = await Assert.ThrowsAsync<CredentialHelperException>(async () => await store.StoreAsync("reg.test", new RegistryCredential("a", "b")));
        Assert.Contains("docker-credential-kist-no-such-helper", error.Message);
        Assert.Null(await store.GetAsync("reg.test"));
        Assert.Contains("docker-credential-kist-no-such-helper", Assert.Single(warnings));
    }

    [Fact]
    public async Task The_platform_default_helper_is_adopted_and_saved_as_docker_does()
    {
        _ = CredentialHelperProgram.Directory;
        using var dir = new TempConfigDir();
        string host = UniqueHost();
        // As docker on Linux with docker-credential-secretservice (or pass) installed and no credentials configured yet.
        var store = new DockerConfigCredentialStore(dir.Path) { DetectDefaultStore = () => new CredentialHelper(CredentialHelperProgram.Name) { IsDetectedDefault = true } };
        Assert.Null(await store.GetAsync(host));
        await store.StoreAsync(host, new RegistryCredential("d", "dp"));
        var json = JsonNode.Parse(dir.Read())!;
        Assert.Equal(CredentialHelperProgram.Name, (string?)json["credsStore"]);
        Assert.Equal("{}", json["auths"]![host]!.ToJsonString());

        // Later lookups, even by a store that would detect nothing, go to the saved helper.
        var plain = new DockerConfigCredentialStore(dir.Path) { DetectDefaultStore = () => null };
        Assert.Equal(new RegistryCredential("d", "dp"), await plain.GetAsync(host));
        Assert.True(await plain.EraseAsync(host));

        // A config that already holds credentials keeps using the file, as docker's does.
        using var other = new TempConfigDir();
        other.Write($$"""{ "auths": { "x.test": { "auth": "{{Convert.ToBase64String(Encoding.UTF8.GetBytes("x:y"))}}" } } }""");
        var withAuths = new DockerConfigCredentialStore(other.Path) { DetectDefaultStore = () => new CredentialHelper(CredentialHelperProgram.Name) { IsDetectedDefault = true } };
        await withAuths.StoreAsync(host, new RegistryCredential("f", "fp"));
        Assert.Null(JsonNode.Parse(other.Read())!["credsStore"]);
        Assert.Equal(new RegistryCredential("f", "fp"), await withAuths.GetAsync(host));
    }

    [Fact]
    public async Task Helpers_answering_garbage_are_reported()
    {
        // A second helper beside docker-credential-kisttest, already on PATH.
        string program = Path.Combine(CredentialHelperProgram.Directory, "docker-credential-kistgarbage");
        File.WriteAllText(program, "#!/bin/sh\ncat >/dev/null\necho 'not json'\n");
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var error = await Assert.ThrowsAsync<CredentialHelperException>(async () => await new CredentialHelper("kistgarbage").GetAsync("reg.test"));
        Assert.Contains("unreadable answer", error.Message);
    }
}
