using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Kist.Oci;
using Kist.Registry.Server.Auth;
using Kist.Registry.Server.Tests.Support;

namespace Kist.Registry.Server.Tests.Auth;

public sealed class BasicAuthTests : IAsyncLifetime
{
    private TestRegistry _registry = null!;

    public async Task InitializeAsync() => _registry = await TestRegistry.StartAsync((o, d) => AuthSetup.Configure(o, d, AuthMode.Basic));
    public async Task DisposeAsync() => await _registry.DisposeAsync();

    private HttpClient As(string user, string password)
    {
        var client = _registry.NewClient();
        client.DefaultRequestHeaders.Authorization = AuthSetup.Basic(user, password);
        return client;
    }

    [Fact]
    public async Task Anonymous_and_wrong_passwords_get_a_basic_challenge()
    {
        using (var r = await _registry.Client.GetAsync("/v2/"))
        {
            await r.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
            Assert.Equal("Basic realm=\"Kist Registry\"", r.Headers.WwwAuthenticate.ToString());
        }
        using var wrong = As("alice", "nope");
        using (var r = await wrong.GetAsync("/v2/")) Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        using var unknown = As("nobody", "x");
        using (var r = await unknown.GetAsync("/v2/")) Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        using var sha = As("mallory", "password"); // {SHA} hashes are not accepted, only bcrypt
        using (var r = await sha.GetAsync("/v2/")) Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        using (var r = await _registry.Client.GetAsync("/v2/x/tags/list")) Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        using var alice = As("alice", AuthSetup.AlicePassword);
        using (var r = await alice.GetAsync("/v2/")) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }

    [Fact]
    public async Task Pull_only_user_is_denied_push_with_403()
    {
        using var alice = As("alice", AuthSetup.AlicePassword);
        using var bob = As("bob", AuthSetup.BobPassword);
        var (digest, _) = await alice.PushImageAsync("shared", "v1", [Proto.RandomBytes(100)]);
        using (var r = await bob.GetAsync($"/v2/shared/manifests/{digest}")) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using (var r = await bob.PostAsync("/v2/shared/blobs/uploads/", null)) await r.AssertErrorAsync(HttpStatusCode.Forbidden, "DENIED");
        using (var r = await bob.PutManifestRawAsync("shared", "v2", await bob.GetByteArrayAsync("/v2/shared/manifests/v1"), MediaTypes.OciManifest))
            await r.AssertErrorAsync(HttpStatusCode.Forbidden, "DENIED");
        using (var r = await bob.DeleteAsync($"/v2/shared/manifests/{digest}")) await r.AssertErrorAsync(HttpStatusCode.Forbidden, "DENIED");
    }

    [Fact]
    public async Task Mount_from_a_repository_the_user_cannot_read_does_not_mount()
    {
        using var alice = As("alice", AuthSetup.AlicePassword);
        using var carol = As("carol", AuthSetup.CarolPassword);
        var secret = Proto.RandomBytes(4096);
        var digest = await alice.PushBlobAsync("secret/repo", secret);

        using (var r = await carol.PostAsync($"/v2/carol/app/blobs/uploads/?mount={digest}&from=secret/repo", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, r.StatusCode); // an upload session, not a mount
            Assert.Contains("/v2/carol/app/blobs/uploads/", r.Headers.Location!.OriginalString);
        }
        using (var r = await carol.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/carol/app/blobs/{digest}"))) Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        using (var r = await carol.GetAsync($"/v2/secret/repo/blobs/{digest}")) await r.AssertErrorAsync(HttpStatusCode.Forbidden, "DENIED");
        Assert.False(await _registry.Storage.HasBlobLinkAsync("carol/app", digest));

        // From a repository carol can read, the mount works.
        await alice.PushBlobAsync("carol/source", secret);
        using (var r = await carol.PostAsync($"/v2/carol/app/blobs/uploads/?mount={digest}&from=carol/source", null)) Assert.Equal(HttpStatusCode.Created, r.StatusCode);
    }

    [Fact]
    public async Task Catalog_shows_only_repositories_the_user_can_pull()
    {
        using var alice = As("alice", AuthSetup.AlicePassword);
        using var carol = As("carol", AuthSetup.CarolPassword);
        await alice.PushImageAsync("carol/mine", "t", []);
        await alice.PushImageAsync("other", "t", []);
        Assert.Equal("{\"repositories\":[\"carol/mine\"]}", await carol.GetStringAsync("/v2/_catalog"));
        Assert.Equal("{\"repositories\":[\"carol/mine\",\"other\"]}", await alice.GetStringAsync("/v2/_catalog"));
        using var r = await _registry.Client.GetAsync("/v2/_catalog");
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
    }
}

public sealed class TokenAuthTests : IAsyncLifetime
{
    private TestRegistry _registry = null!;

    public async Task InitializeAsync() => _registry = await TestRegistry.StartAsync((o, d) => AuthSetup.Configure(o, d, AuthMode.Token));
    public async Task DisposeAsync() => await _registry.DisposeAsync();

    private static Dictionary<string, string> ParseChallenge(string header)
    {
        Assert.StartsWith("Bearer ", header);
        return System.Text.RegularExpressions.Regex.Matches(header[7..], "(\\w+)=\"([^\"]*)\"").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
    }

    private async Task<string> TokenAsync(string? user, string? password, params string[] scopes)
    {
        var query = string.Join("&", scopes.Select(s => "scope=" + Uri.EscapeDataString(s)));
        var request = new HttpRequestMessage(HttpMethod.Get, $"/token?service=kist-registry&{query}");
        if (user is not null) request.Headers.Authorization = AuthSetup.Basic(user, password!);
        using var response = await _registry.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(doc.RootElement.GetProperty("expires_in").GetInt32() > 0);
        Assert.Equal(doc.RootElement.GetProperty("token").GetString(), doc.RootElement.GetProperty("access_token").GetString());
        return doc.RootElement.GetProperty("token").GetString()!;
    }

    private static JsonElement Claims(string token)
    {
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload += new string('=', (4 - payload.Length % 4) % 4);
        return JsonDocument.Parse(Convert.FromBase64String(payload)).RootElement;
    }

    private HttpClient WithToken(string token)
    {
        var client = _registry.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task Challenge_names_the_token_realm_service_and_scope()
    {
        using (var r = await _registry.Client.GetAsync("/v2/"))
        {
            await r.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
            var c = ParseChallenge(r.Headers.WwwAuthenticate.ToString());
            Assert.Equal($"{_registry.Host.BaseAddress}token", c["realm"]);
            Assert.Equal("kist-registry", c["service"]);
        }
        using (var r = await _registry.Client.PostAsync("/v2/team/app/blobs/uploads/", null))
            Assert.Equal("repository:team/app:pull,push", ParseChallenge(r.Headers.WwwAuthenticate.ToString())["scope"]);
    }

    [Fact]
    public async Task Tokens_carry_the_granted_scopes_signed_with_es256()
    {
        var token = await TokenAsync("bob", AuthSetup.BobPassword, "repository:team/app:pull,push", "repository:other:pull");
        var header = JsonDocument.Parse(Convert.FromBase64String(PadBase64(token.Split('.')[0]))).RootElement;
        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        var claims = Claims(token);
        Assert.Equal("bob", claims.GetProperty("sub").GetString());
        Assert.Equal("kist-registry", claims.GetProperty("aud").GetString());
        var access = claims.GetProperty("access").EnumerateArray().Select(a => (a.GetProperty("name").GetString(), string.Join(",", a.GetProperty("actions").EnumerateArray().Select(x => x.GetString())))).ToList();
        Assert.Equal([("team/app", "pull"), ("other", "pull")], access);

        var carol = Claims(await TokenAsync("carol", AuthSetup.CarolPassword, "repository:carol/x:pull,push,delete", "repository:team/app:pull"));
        Assert.Equal("carol/x", Assert.Single(carol.GetProperty("access").EnumerateArray()).GetProperty("name").GetString());
    }

    private static string PadBase64(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - s.Length % 4) % 4);
    }

    [Fact]
    public async Task Token_flow_push_pull_and_scope_checks()
    {
        using var alice = WithToken(await TokenAsync("alice", AuthSetup.AlicePassword, "repository:team/app:pull,push"));
        var (digest, _) = await alice.PushImageAsync("team/app", "v1", [Proto.RandomBytes(100)]);
        using (var r = await alice.GetAsync("/v2/")) Assert.Equal(HttpStatusCode.OK, r.StatusCode);

        // The token is for team/app only: another repository gets a challenge for more scope.
        using (var r = await alice.GetAsync("/v2/elsewhere/tags/list"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            var c = ParseChallenge(r.Headers.WwwAuthenticate.ToString());
            Assert.Equal("repository:elsewhere:pull", c["scope"]);
            Assert.Equal("insufficient_scope", c["error"]);
        }
        using var bob = WithToken(await TokenAsync("bob", AuthSetup.BobPassword, "repository:team/app:pull,push"));
        using (var r = await bob.GetAsync($"/v2/team/app/manifests/{digest}")) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using (var r = await bob.PostAsync("/v2/team/app/blobs/uploads/", null)) await r.AssertErrorAsync(HttpStatusCode.Forbidden, "DENIED");

        // Anonymous tokens grant nothing here.
        using var anonymous = WithToken(await TokenAsync(null, null, "repository:team/app:pull"));
        using (var r = await anonymous.GetAsync($"/v2/team/app/manifests/{digest}")) Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
    }

    [Fact]
    public async Task Tampered_foreign_and_expired_tokens_are_refused()
    {
        var token = await TokenAsync("alice", AuthSetup.AlicePassword, "repository:r:pull");
        var parts = token.Split('.');
        var claims = Claims(token);
        // Same header and signature, a payload that grants more.
        var forged = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["iss"] = claims.GetProperty("iss").GetString()!, ["sub"] = "bob", ["aud"] = "kist-registry",
            ["exp"] = claims.GetProperty("exp").GetInt64(), ["nbf"] = 0, ["iat"] = 0, ["jti"] = "x",
        });
        string forgedPayload = Convert.ToBase64String(Encoding.UTF8.GetBytes(forged)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        foreach (var bad in new[] { $"{parts[0]}.{forgedPayload}.{parts[2]}", "not.a.token", "garbage", token + "x" })
        {
            using var client = WithToken(bad);
            using var r = await client.GetAsync("/v2/");
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Equal("invalid_token", ParseChallenge(r.Headers.WwwAuthenticate.ToString())["error"]);
        }
        // A token from another issuer key.
        using var other = new TokenService("kist-registry", "kist-registry", TimeSpan.FromMinutes(5));
        using (var client = WithToken(other.Issue("alice", [new TokenAccess("repository", "r", ["pull"])])))
        using (var r = await client.GetAsync("/v2/r/tags/list")) Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);

        // Expiry, checked with a clock that moves.
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var service = new TokenService("i", "a", TimeSpan.FromMinutes(5), time: clock);
        var t = service.Issue("u", []);
        Assert.NotNull(service.Validate(t));
        clock.Now += TimeSpan.FromMinutes(6);
        Assert.Null(service.Validate(t));
    }

    [Fact]
    public async Task Token_endpoint_refuses_wrong_credentials_and_accepts_the_oauth_password_grant()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/token?service=kist-registry&scope=repository:r:pull");
        request.Headers.Authorization = AuthSetup.Basic("alice", "wrong");
        using (var r = await _registry.Client.SendAsync(request)) await r.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");

        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["username"] = "alice", ["password"] = AuthSetup.AlicePassword,
            ["service"] = "kist-registry", ["scope"] = "repository:r:pull", ["client_id"] = "test",
        });
        using var post = await _registry.Client.PostAsync("/token", form);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        var token = JsonDocument.Parse(await post.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
        Assert.Equal("r", Claims(token).GetProperty("access")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_signing_key_from_a_file_survives_restarts()
    {
        using var dir = new TempDir();
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256)) await File.WriteAllTextAsync(dir.Combine("key.pem"), key.ExportECPrivateKeyPem());
        using var first = new TokenService("i", "a", TimeSpan.FromMinutes(5), dir.Combine("key.pem"));
        using var second = new TokenService("i", "a", TimeSpan.FromMinutes(5), dir.Combine("key.pem"));
        Assert.NotNull(second.Validate(first.Issue("u", [])));
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}

public sealed class TransportAndModeTests
{
    [Fact]
    public async Task Tls_from_a_pem_certificate_and_key()
    {
        using var dir = new TempDir();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(dir.Combine("cert.pem"), cert.ExportCertificatePem());
        await File.WriteAllTextAsync(dir.Combine("key.pem"), key.ExportECPrivateKeyPem());

        await using var registry = await TestRegistry.StartAsync((o, _) => { o.TlsCertificatePath = dir.Combine("cert.pem"); o.TlsKeyPath = dir.Combine("key.pem"); });
        Assert.Equal("https", registry.Host.BaseAddress.Scheme);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == cert.GetCertHashString();
        using var client = registry.NewClient(handler);
        using var response = await client.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var digest = await client.PushBlobAsync("tls", Proto.RandomBytes(100));
        Assert.NotEqual(default, digest);

        using var plain = new HttpClient { BaseAddress = new Uri($"http://{registry.Host.HostPort}/") };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync("/v2/"));
    }

    [Fact]
    public async Task Read_only_mode_serves_pulls_and_refuses_writes()
    {
        using var dir = new TempDir();
        Digest digest;
        await using (var writable = await TestRegistry.StartAsync((o, _) => o.StoragePath = dir.Combine("s")))
        {
            (digest, _) = await writable.Client.PushImageAsync("r", "t", [Proto.RandomBytes(10)]);
        }
        await using var registry = await TestRegistry.StartAsync((o, _) => { o.StoragePath = dir.Combine("s"); o.ReadOnly = true; });
        using (var r = await registry.Client.GetAsync("/v2/r/manifests/t")) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using (var r = await registry.Client.PostAsync("/v2/r/blobs/uploads/", null)) await r.AssertErrorAsync(HttpStatusCode.MethodNotAllowed, "UNSUPPORTED");
        using (var r = await registry.Client.DeleteAsync($"/v2/r/manifests/{digest}")) await r.AssertErrorAsync(HttpStatusCode.MethodNotAllowed, "UNSUPPORTED");
        using (var r = await registry.Client.PutManifestRawAsync("r", "t2", "{}"u8.ToArray(), MediaTypes.OciManifest)) await r.AssertErrorAsync(HttpStatusCode.MethodNotAllowed, "UNSUPPORTED");
    }

    [Fact]
    public void Config_file_is_parsed_with_relative_paths_and_validated()
    {
        using var dir = new TempDir();
        var file = dir.Combine("registry.json");
        File.WriteAllText(file, """
        {
          // comments are allowed
          "addr": "127.0.0.1:5001", "storage": "data", "readOnly": true,
          "tls": { "certificate": "c.pem", "key": "k.pem" },
          "auth": { "mode": "token", "htpasswd": "users", "service": "svc", "tokenLifetimeSeconds": 60,
                    "access": [ { "user": "bob", "repositories": ["team/*"], "actions": ["pull"] } ] },
          "limits": { "maxChunkBytes": 1000 },
          "gc": { "graceSeconds": 10 },
          "log": { "format": "json" },
        }
        """);
        var options = RegistryOptions.FromConfig(RegistryConfig.Load(file));
        Assert.Equal("127.0.0.1:5001", options.Address);
        Assert.Equal(dir.Combine("data"), options.StoragePath);
        Assert.Equal(dir.Combine("users"), options.HtpasswdPath);
        Assert.Equal(dir.Combine("c.pem"), options.TlsCertificatePath);
        Assert.True(options.ReadOnly);
        Assert.True(options.JsonLogs);
        Assert.Equal(AuthMode.Token, options.Auth);
        Assert.Equal("svc", options.Service);
        Assert.Equal(TimeSpan.FromSeconds(60), options.TokenLifetime);
        Assert.Equal(1000, options.MaxChunkBytes);
        Assert.Equal(TimeSpan.FromSeconds(10), options.GcGrace);
        var policy = new AccessPolicy(options.Access);
        Assert.True(policy.Allows("bob", "team/app", "pull"));
        Assert.False(policy.Allows("bob", "team/app", "push"));
        Assert.False(policy.Allows("bob", "teamx/app", "pull"));
        Assert.False(policy.Allows(null, "team/app", "pull"));

        File.WriteAllText(file, """{ "auth": { "mode": "kerberos" } }""");
        Assert.Throws<InvalidInputException>(() => RegistryOptions.FromConfig(RegistryConfig.Load(file)));
        File.WriteAllText(file, """{ "auth": { "mode": "basic" } }""");
        Assert.Throws<InvalidInputException>(() => RegistryOptions.FromConfig(RegistryConfig.Load(file)));
        File.WriteAllText(file, """{ "addr": 5 }""");
        Assert.Throws<InvalidInputException>(() => RegistryConfig.Load(file));
        Assert.Throws<InvalidInputException>(() => RegistryOptions.ParseAddress("nohost"));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 80), RegistryOptions.ParseAddress("localhost:80"));
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 5000), RegistryOptions.ParseAddress("[::1]:5000"));
    }
}
