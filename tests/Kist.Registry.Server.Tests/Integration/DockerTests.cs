using Kist.Registry.Server.Tests.Support;

namespace Kist.Registry.Server.Tests.Integration;

/// <summary><c>docker push</c> / <c>docker pull</c> / <c>docker login</c> against the registry (127.0.0.1 is insecure-allowed by dockerd).</summary>
[Trait("Category", "Integration")]
[Collection("docker")]
public sealed class DockerTests
{
    private sealed class DockerSession(string config) : IAsyncDisposable
    {
        public readonly List<string> Tags = [];
        public readonly List<string> Logins = [];
        public string Config { get; } = config;

        public Task<ToolResult> Run(params string[] args) => Tools.RunAsync("docker", ["--config", Config, .. args]);

        public async Task<ToolResult> RunOk(params string[] args)
        {
            var r = await Run(args);
            Assert.True(r.ExitCode == 0, $"docker {string.Join(' ', args)} exited {r.ExitCode}: {r.Output}");
            return r;
        }

        public async Task Login(string registry, string user, string password)
        {
            await RunOk("login", registry, "-u", user, "--password-stdin");
            Logins.Add(registry);
        }

        public async Task<string> Import(string tar, string tag)
        {
            var id = (await RunOk("import", tar, tag)).Stdout.Trim();
            Tags.Add(tag);
            return id;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var tag in Tags) await Run("rmi", "-f", tag);
            foreach (var registry in Logins) await Run("logout", registry);
        }
    }

    private static async Task PushPullRoundTrip(AuthMode mode)
    {
        using var dir = new TempDir();
        await using var registry = await TestRegistry.StartAsync((o, d) => { if (mode != AuthMode.None) AuthSetup.Configure(o, d, mode, useHtpasswdTool: true); });
        var tar = await Tools.BusyboxRootfsTarAsync(dir);
        string reg = registry.Host.HostPort;
        string tag = $"{reg}/kist-test/busybox:{mode.ToString().ToLowerInvariant()}";

        Directory.CreateDirectory(dir.Combine("alice"));
        Directory.CreateDirectory(dir.Combine("bob"));
        await using var alice = new DockerSession(dir.Combine("alice"));
        await using var bob = new DockerSession(dir.Combine("bob"));
        var id = await alice.Import(tar, tag);

        if (mode != AuthMode.None)
        {
            // Not logged in: the push is refused.
            var anonymous = await alice.Run("push", tag);
            Assert.NotEqual(0, anonymous.ExitCode);
            Assert.True(anonymous.Output.Contains("no basic auth credentials") || anonymous.Output.Contains("authentication required"), anonymous.Output);
            var wrong = await Tools.RunAsync("docker", ["--config", alice.Config, "login", reg, "-u", "alice", "--password-stdin"], "wrong-password");
            Assert.NotEqual(0, wrong.ExitCode);
            await Tools.RunOkAsync("docker", ["--config", alice.Config, "login", reg, "-u", "alice", "--password-stdin"], AuthSetup.AlicePassword);
            alice.Logins.Add(reg);
        }

        var push = await alice.RunOk("push", tag);
        Assert.Contains("digest: sha256:", push.Output);
        await alice.RunOk("rmi", tag);
        Assert.NotEqual(0, (await alice.Run("image", "inspect", tag)).ExitCode);
        var pull = await alice.RunOk("pull", tag);
        Assert.Contains("Downloaded newer image", pull.Output);
        Assert.Equal(id, (await alice.RunOk("image", "inspect", "--format", "{{.Id}}", tag)).Stdout.Trim());

        // A second push finds every blob in place.
        Assert.Contains("Layer already exists", (await alice.RunOk("push", tag)).Output);

        if (mode != AuthMode.None)
        {
            await Tools.RunOkAsync("docker", ["--config", bob.Config, "login", reg, "-u", "bob", "--password-stdin"], AuthSetup.BobPassword);
            bob.Logins.Add(reg);
            // bob may pull ...
            await bob.RunOk("pull", tag);
            // ... but not push.
            string bobTag = $"{reg}/kist-test/bob:denied";
            await bob.RunOk("tag", tag, bobTag);
            bob.Tags.Add(bobTag);
            var denied = await bob.Run("push", bobTag);
            Assert.NotEqual(0, denied.ExitCode);
            Assert.Contains("denied", denied.Output, StringComparison.OrdinalIgnoreCase);
            Assert.False(await registry.Storage.RepositoryExistsAsync("kist-test/bob") && await registry.Storage.ResolveTagAsync("kist-test/bob", "denied") is not null);
        }
    }

    [Fact]
    public Task Docker_push_and_pull_without_auth() => PushPullRoundTrip(AuthMode.None);

    [Fact]
    public Task Docker_login_push_pull_and_denied_push_with_basic_auth() => PushPullRoundTrip(AuthMode.Basic);

    [Fact]
    public Task Docker_login_push_pull_and_denied_push_with_token_auth() => PushPullRoundTrip(AuthMode.Token);
}
