using Kist.Oci;
using Kist.Registry.Credentials;
using Kist.Registry.Tests.Support;

namespace Kist.Registry.Tests;

public sealed class AuthTests : IAsyncLifetime
{
    private FaultyRegistry _registry = null!;

    public async Task InitializeAsync() => _registry = await FaultyRegistry.StartAsync();
    public async Task DisposeAsync() => await _registry.DisposeAsync();

    private RegistryClient Client(RegistryCredential? credential) =>
        new(_registry.Host, new RegistryClientOptions { ExplicitCredential = credential, RetryDelay = TimeSpan.FromMilliseconds(10) });

    [Fact]
    public async Task Basic_auth_is_answered_and_wrong_password_refused()
    {
        _registry.Basic = ("alice", "secret");
        var image = TestImages.Add(_registry, "app", "v1");
        using (var client = Client(new RegistryCredential("alice", "secret")))
        {
            await client.PingAsync();
            Assert.Equal(image.ManifestDigest, (await client.GetManifestAsync("app", "v1")).Digest);
        }
        using var wrong = Client(new RegistryCredential("alice", "nope"));
        var e = await Assert.ThrowsAsync<RegistryException>(() => wrong.PingAsync());
        Assert.Contains("unauthorized", e.Message);
        using var anonymous = Client(null);
        var e2 = await Assert.ThrowsAsync<RegistryException>(() => anonymous.GetManifestAsync("app", "v1"));
        Assert.Equal(401, e2.StatusCode);
    }

    [Fact]
    public async Task Bearer_tokens_are_fetched_per_scope_and_cached()
    {
        _registry.Bearer = true;
        _registry.Basic = ("bob", "pw");
        var image = TestImages.Add(_registry, "app", "v1");
        using var client = Client(new RegistryCredential("bob", "pw"));
        await client.GetManifestAsync("app", "v1");
        await client.GetManifestAsync("app", image.ManifestDigest.ToString());
        await client.HeadManifestAsync("app", "v1");
        Assert.Equal(1, _registry.TokensIssued);
        var bytes = FaultyRegistry.RandomBytes(5000);
        var blob = new Descriptor { MediaType = "x", Digest = Digest.Compute(bytes), Size = bytes.Length };
        await client.PushBlobAsync("app", blob, _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes)));
        Assert.Equal(bytes, _registry.Blobs[blob.Digest]);
        Assert.Equal(2, _registry.TokensIssued); // pull, then pull,push
    }

    [Fact]
    public async Task Bearer_with_wrong_credentials_says_so()
    {
        _registry.Bearer = true;
        _registry.Basic = ("bob", "pw");
        using var client = Client(new RegistryCredential("bob", "bad"));
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.PingAsync());
        Assert.Contains("incorrect username or password", e.Message);
    }

    [Fact]
    public async Task Refused_token_is_refreshed()
    {
        _registry.Bearer = true;
        TestImages.Add(_registry, "app", "v1");
        using var client = Client(null);
        await client.GetManifestAsync("app", "v1");
        _registry.Fault("GET manifest", async c =>
        {
            c.Response.StatusCode = 401;
            c.Response.Headers.WWWAuthenticate = $"Bearer realm=\"http://{_registry.Host}/token\",service=\"faulty\",scope=\"repository:app:pull\"";
            await Task.CompletedTask;
        });
        await client.GetManifestAsync("app", "v1");
        Assert.Equal(2, _registry.TokensIssued);
    }

    [Fact]
    public void Challenge_parameters_are_parsed_with_quotes_and_commas()
    {
        var challenge = Auth.AuthChallenge.Parse("Bearer", "realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:a/b:pull,push\"");
        Assert.True(challenge.IsBearer);
        Assert.Equal("https://auth.docker.io/token", challenge.Realm);
        Assert.Equal("registry.docker.io", challenge.Service);
        Assert.Equal("repository:a/b:pull,push", challenge.Scope);
    }

    [Fact]
    public void Docker_hub_names_map_to_its_api_host()
    {
        Assert.Equal("registry-1.docker.io", RegistryHosts.ApiHost("docker.io"));
        Assert.Equal("docker.io", RegistryHosts.Normalize("https://index.docker.io/v1/"));
        Assert.Equal("localhost:5000", RegistryHosts.Normalize("localhost:5000"));
        Assert.True(RegistryHosts.IsLoopback("127.0.0.5:5000"));
        Assert.True(RegistryHosts.IsLoopback("[::1]:5000"));
        Assert.True(RegistryHosts.IsLoopback("localhost"));
        Assert.False(RegistryHosts.IsLoopback("example.com:5000"));
    }
}
