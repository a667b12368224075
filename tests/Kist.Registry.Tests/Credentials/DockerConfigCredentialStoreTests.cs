using System.Text;
using System.Text.Json.Nodes;
using Kist.Oci;
using Kist.Registry.Credentials;

namespace Kist.Registry.Tests.Credentials;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DockerConfigCredentialStoreTests
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Fact]
    public async Task Reads_the_file_docker_login_writes()
    {
        using var dir = new TempConfigDir();
        // Byte for byte what `docker login` (docker 20.10 and 28) writes without a credential store.
        dir.Write($$"""
            {
            	"auths": {
            		"127.0.0.1:5000": {
            			"auth": "{{B64("kist:s3cret:with:colons")}}"
            		},
            		"https://index.docker.io/v1/": {
            			"auth": "{{B64("hubuser:hubpass")}}"
            		}
            	}
            }
            """);
        var store = new DockerConfigCredentialStore(dir.Path);
        Assert.Equal(new RegistryCredential("kist", "s3cret:with:colons"), await store.GetAsync("127.0.0.1:5000"));
        foreach (var hub in new[] { "docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/" })
        {
            Assert.Equal(new RegistryCredential("hubuser", "hubpass"), await store.GetAsync(hub));
        }
        Assert.Null(await store.GetAsync("127.0.0.1:5001"));
        Assert.Null(await store.GetAsync("ghcr.io"));
    }

    [Theory]
    [InlineData("registry.example.com")]
    [InlineData("https://registry.example.com")]
    [InlineData("http://registry.example.com/v2/")]
    [InlineData("https://registry.example.com/v1/")]
    [InlineData("REGISTRY.example.com")]
    public async Task Other_spellings_of_a_host_still_match(string key)
    {
        using var dir = new TempConfigDir();
        dir.Write($$"""{ "auths": { "{{key}}": { "auth": "{{B64("u:p")}}" } } }""");
        var store = new DockerConfigCredentialStore(dir.Path);
        Assert.Equal(new RegistryCredential("u", "p"), await store.GetAsync("registry.example.com"));
        Assert.Null(await store.GetAsync("registry.example.com:5000"));
        Assert.Null(await store.GetAsync("example.com"));
    }

    [Fact]
    public async Task The_exact_key_wins_over_other_spellings()
    {
        using var dir = new TempConfigDir();
        dir.Write($$"""{ "auths": { "https://reg.test": { "auth": "{{B64("old:old")}}" }, "reg.test": { "auth": "{{B64("new:new")}}" } } }""");
        Assert.Equal(new RegistryCredential("new", "new"), await new DockerConfigCredentialStore(dir.Path).GetAsync("reg.test"));
    }

    [Fact]
    public async Task Identity_tokens_and_plain_username_password_fields_are_read()
    {
        using var dir = new TempConfigDir();
        dir.Write($$"""
            {
              // comments and trailing commas are tolerated, as in hand-edited files
              "auths": {
                "token.test": { "auth": "{{B64("someone:")}}", "identitytoken": "refresh-me" },
                "plain.test": { "username": "pu", "password": "pp" },
                "empty.test": {},
              },
            }
            """);
        var store = new DockerConfigCredentialStore(dir.Path);
        Assert.Equal(new RegistryCredential("someone", "", "refresh-me"), await store.GetAsync("token.test"));
        Assert.Equal(new RegistryCredential("pu", "pp"), await store.GetAsync("plain.test"));
        Assert.Null(await store.GetAsync("empty.test"));
    }

    [Fact]
    public async Task Missing_or_broken_files_mean_anonymous_with_a_warning()
    {
        using var dir = new TempConfigDir();
        var warnings = new List<string>();
        var store = new DockerConfigCredentialStore(dir.Path) { Warning = warnings.Add };
        Assert.Null(await store.GetAsync("docker.io"));
        Assert.Empty(warnings);

        dir.Write("{ not json");
        Assert.Null(await store.GetAsync("docker.io"));
        Assert.Contains("not valid JSON", Assert.Single(warnings));

        dir.Write("""{ "auths": { "bad.test": { "auth": "%%%" }, "nocolon.test": { "auth": "bm9jb2xvbg==" } } }""");
        Assert.Null(await store.GetAsync("bad.test"));
        Assert.Null(await store.GetAsync("nocolon.test"));
        Assert.Equal(3, warnings.Count);
    }

    [Fact]
    public async Task Store_creates_the_folder_and_a_private_file_docker_reads()
    {
        using var dir = new TempConfigDir();
        var store = new DockerConfigCredentialStore(dir.Path);
        await store.StoreAsync("docker.io", new RegistryCredential("me", "pw"));
        await store.StoreAsync("127.0.0.1:5000", new RegistryCredential("kist", "secret"));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.ConfigFile));
        var json = JsonNode.Parse(dir.Read())!;
        Assert.Equal(B64("me:pw"), (string?)json["auths"]!["https://index.docker.io/v1/"]!["auth"]);
        Assert.Equal(B64("kist:secret"), (string?)json["auths"]!["127.0.0.1:5000"]!["auth"]);
        Assert.Equal(new RegistryCredential("kist", "secret"), await new DockerConfigCredentialStore(dir.Path).GetAsync("127.0.0.1:5000"));
        Assert.Equal(["config.json"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Where(f => f != ".config.json.lock")); // no temp file left behind
    }

    [Fact]
    public async Task Store_and_erase_keep_every_other_field()
    {
        using var dir = new TempConfigDir();
        dir.Write($$"""
            {
              "auths": { "other.test": { "auth": "{{B64("o:o")}}", "email": "o@example.com" }, "mine.test": { "auth": "{{B64("a:b")}}", "email": "me@example.com", "x-unknown": 1 } },
              "psFormat": "table ID",
              "proxies": { "default": { "httpProxy": "http://proxy:3128" } },
              "HttpHeaders": { "User-Agent": "x" },
              "plugins": { "-x-cli-hints": { "enabled": "false" } },
              "aFutureField": [1, 2.5, true, null, { "nested": "yes" }]
            }
            """);
        var store = new DockerConfigCredentialStore(dir.Path);
        await store.StoreAsync("mine.test", new RegistryCredential("new", "pass", "tok"));
        var json = JsonNode.Parse(dir.Read())!.AsObject();
        Assert.Equal("table ID", (string?)json["psFormat"]);
        Assert.Equal("http://proxy:3128", (string?)json["proxies"]!["default"]!["httpProxy"]);
        Assert.Equal("x", (string?)json["HttpHeaders"]!["User-Agent"]);
        Assert.Equal("false", (string?)json["plugins"]!["-x-cli-hints"]!["enabled"]);
        Assert.Equal("""[1,2.5,true,null,{"nested":"yes"}]""", json["aFutureField"]!.ToJsonString());
        Assert.Equal(B64("o:o"), (string?)json["auths"]!["other.test"]!["auth"]);
        var mine = json["auths"]!["mine.test"]!;
        Assert.Equal(B64("new:pass"), (string?)mine["auth"]);
        Assert.Equal("tok", (string?)mine["identitytoken"]);
        Assert.Equal("me@example.com", (string?)mine["email"]);
        Assert.Equal(1, (int)mine["x-unknown"]!);

        Assert.True(await store.EraseAsync("mine.test"));
        json = JsonNode.Parse(dir.Read())!.AsObject();
        Assert.Null(json["auths"]!["mine.test"]);
        Assert.Equal(B64("o:o"), (string?)json["auths"]!["other.test"]!["auth"]);
        Assert.Equal("table ID", (string?)json["psFormat"]);
        Assert.False(await store.EraseAsync("mine.test"));
        Assert.False(await store.EraseAsync("never.test"));
    }

    [Fact]
    public async Task Erase_removes_every_spelling_of_the_host()
    {
        using var dir = new TempConfigDir();
        dir.Write($$"""{ "auths": { "reg.test": { "auth": "{{B64("a:a")}}" }, "https://reg.test": { "auth": "{{B64("b:b")}}" }, "http://reg.test/v2/": {}, "reg.test:5000": { "auth": "{{B64("c:c")}}" } } }""");
        var store = new DockerConfigCredentialStore(dir.Path);
        Assert.True(await store.EraseAsync("reg.test"));
        var auths = JsonNode.Parse(dir.Read())!["auths"]!.AsObject();
        Assert.Equal(["reg.test:5000"], auths.Select(p => p.Key));
        Assert.Null(await store.GetAsync("reg.test"));
    }

    [Fact]
    public async Task Store_refuses_to_overwrite_a_file_it_cannot_read()
    {
        using var dir = new TempConfigDir();
        dir.Write("{ \"auths\": ");
        var store = new DockerConfigCredentialStore(dir.Path);
        await Assert.ThrowsAsync<InvalidInputException>(async () => await store.StoreAsync("reg.test", new RegistryCredential("a", "b")));
        await Assert.ThrowsAsync<InvalidInputException>(async () => await store.EraseAsync("reg.test"));
        Assert.Equal("{ \"auths\": ", dir.Read());
    }

    [Fact]
    public async Task Store_writes_through_a_symlinked_config_file()
    {
        using var dir = new TempConfigDir();
        dir.Write("{}");
        string real = Path.Combine(dir.Path, "real.json");
        File.Move(dir.ConfigFile, real);
        File.CreateSymbolicLink(dir.ConfigFile, real);
        await new DockerConfigCredentialStore(dir.Path).StoreAsync("reg.test", new RegistryCredential("a", "b"));
        Assert.NotNull(new FileInfo(dir.ConfigFile).LinkTarget);
        Assert.Contains(B64("a:b"), File.ReadAllText(real));
    }

    [Fact]
    public async Task Docker_config_environment_variable_names_the_default_folder()
    {
        // Only checks the resolution rule, without changing the process environment for other tests.
        string expected = Environment.GetEnvironmentVariable("DOCKER_CONFIG") is { Length: > 0 } d
            ? Path.GetFullPath(d)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
        Assert.Equal(expected, new DockerConfigCredentialStore().ConfigDirectory);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Concurrent_logins_are_all_kept()
    {
        using var dir = new TempConfigDir();
        var stores = Enumerable.Range(0, 4).Select(_ => new DockerConfigCredentialStore(dir.Path)).ToArray();
        await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(async () =>
            await stores[i % stores.Length].StoreAsync($"reg{i}.test", new RegistryCredential($"user{i}", $"pw{i}")))));
        var reader = new DockerConfigCredentialStore(dir.Path);
        for (int i = 0; i < 24; i++) Assert.Equal(new RegistryCredential($"user{i}", $"pw{i}"), await reader.GetAsync($"reg{i}.test"));
        await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(async () => Assert.True(await stores[i % stores.Length].EraseAsync($"reg{i}.test")))));
        Assert.Equal("{}", JsonNode.Parse(dir.Read())!["auths"]!.ToJsonString());
    }

    [Fact]
    public void Registry_keys_are_what_docker_uses()
    {
        Assert.Equal("https://index.docker.io/v1/", RegistryKeys.ConfigKey("docker.io"));
        Assert.Equal("https://index.docker.io/v1/", RegistryKeys.ConfigKey("registry-1.docker.io"));
        Assert.Equal("https://index.docker.io/v1/", RegistryKeys.ConfigKey("index.docker.io"));
        Assert.Equal("127.0.0.1:5000", RegistryKeys.ConfigKey("127.0.0.1:5000"));
        Assert.Equal("ghcr.io", RegistryKeys.ConfigKey("https://ghcr.io/v2/"));
        Assert.Equal("localhost:5000", RegistryKeys.ConfigKey("localhost:5000"));
    }

    [Fact]
    public void Credentials_do_not_print_their_secrets()
    {
        string text = new RegistryCredential("user", "hunter2", "idtoken").ToString();
        Assert.DoesNotContain("hunter2", text);
        Assert.DoesNotContain("idtoken", text);
        Assert.Contains("user", text);
    }
}
