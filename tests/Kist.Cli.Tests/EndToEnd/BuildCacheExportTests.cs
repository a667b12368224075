using System.Text.Json;
using Kist.Cli.Tests.EndToEnd.Registries;
using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// <c>kist build --cache-to/--cache-from</c>: a cache exported from one root (an OCI layout directory, or a real
/// registry) makes a fresh root's build of the same Dockerfile reuse it: the steps are CACHED and not run, the image ID
/// is the exporter's, a changed file reruns only the steps from its COPY on; mode=max carries intermediate stages;
/// missing sources are warnings and unsupported types errors.
/// </summary>
public sealed class BuildCacheExportTests(BuildFixture fixture) : IClassFixture<BuildFixture>, IDisposable
{
    private readonly TestRoot _context = new("kist-cache-context");
    private readonly TestRoot _scratch = new("kist-cache-scratch");
    private readonly List<TestRoot> _roots = [];

    public void Dispose()
    {
        _context.Dispose();
        _scratch.Dispose();
        foreach (var r in _roots) r.Dispose();
    }

    private void Write(string name, string content) => File.WriteAllText(_context.File(name), content);

    /// <summary>A Dockerfile whose RUN steps write a random UUID: a rerun would change the image.</summary>
    private void WriteApp()
    {
        Write("a.txt", "alpha\n");
        Write("b.txt", "beta\n");
        Write("Dockerfile", $"""
            FROM {fixture.Base}
            COPY a.txt /a.txt
            RUN echo "$(cat /a.txt) $(cat /proc/sys/kernel/random/uuid)" > /first
            COPY b.txt /b.txt
            RUN echo "$(cat /b.txt) $(cat /proc/sys/kernel/random/uuid)" > /second
            CMD ["cat", "/first", "/second"]
            """);
    }

    /// <summary>A fresh root holding only the base image, loaded from the fixture's root (the same image ID).</summary>
    private async Task<string> FreshRootAsync()
    {
        var root = new TestRoot("kist-cache-root");
        _roots.Add(root);
        string archive = _scratch.File(Guid.NewGuid().ToString("N") + ".tar");
        if (!File.Exists(archive)) (await KistAsync(fixture.Root.Path, "save", "-o", archive, fixture.Base)).ShouldSucceed();
        (await KistAsync(root.Path, "load", "-i", archive)).ShouldSucceed();
        return root.Path;
    }

    /// <summary>A private docker config directory (for <c>kist login</c>), so the user's credentials are never read or written.</summary>
    private Dictionary<string, string> Environment => new() { ["DOCKER_CONFIG"] = _scratch.File("docker-config") };

    private Task<RunResult> BuildAsync(string root, params string[] args) =>
        KistWithEnvironmentAsync(root, Environment, null, ["build", "--progress", "plain", .. args, _context.Path]);

    private static string Tag() => $"kist-cache-{Guid.NewGuid().ToString("N")[..8]}:1";

    private static async Task<string> ImageIdAsync(string root, string image) =>
        (await KistAsync(root, "inspect", "--format", "{{.Id}}", image)).ShouldSucceed().Stdout.Trim();

    private static string Step(Dictionary<string, string> steps, string contains) => steps.Single(s => s.Key.Contains(contains, StringComparison.Ordinal)).Value;

    /// <summary>Exports from the fixture's root to <paramref name="cacheTo"/>, imports on a fresh root from <paramref name="cacheFrom"/>, and compares.</summary>
    private async Task RoundTripAsync(string cacheTo, string cacheFrom, params string[] flags)
    {
        WriteApp();
        string tag = Tag();
        (await BuildAsync(fixture.Root.Path, ["-t", tag, "--no-cache", "--cache-to", cacheTo, .. flags])).ShouldSucceed();
        string id = await ImageIdAsync(fixture.Root.Path, tag);
        string output = (await KistAsync(fixture.Root.Path, "run", "--rm", tag)).ShouldSucceed().Stdout;

        string root = await FreshRootAsync();
        var imported = (await BuildAsync(root, ["-t", tag, "--cache-from", cacheFrom, .. flags])).ShouldSucceed();
        Assert.Contains("imported layer sha256:", imported.Stderr);
        var steps = PlainProgressLog.Steps(imported.Stderr);
        Assert.All(steps.Where(s => s.Key.Contains(" COPY ") || s.Key.Contains(" RUN ")), s => Assert.Equal("CACHED", s.Value));
        Assert.Equal(4, steps.Count(s => s.Value == "CACHED"));
        Assert.Equal(id, await ImageIdAsync(root, tag));
        // The RUN did not run again: its output (a UUID made when it ran) is the exporter's, read through the unpacked layers.
        Assert.Equal(output, (await KistAsync(root, "run", "--rm", tag)).ShouldSucceed().Stdout);

        // Imported records are now local: a rebuild hits without the source; a changed file reruns only what follows its COPY.
        Write("b.txt", "beta 2\n");
        var changed = (await BuildAsync(root, ["-t", tag, "--cache-from", cacheFrom, .. flags])).ShouldSucceed();
        steps = PlainProgressLog.Steps(changed.Stderr);
        Assert.Equal("CACHED", Step(steps, "COPY a.txt"));
        Assert.Equal("CACHED", Step(steps, "RUN echo \"$(cat /a.txt)"));
        Assert.Equal("DONE", Step(steps, "COPY b.txt"));
        Assert.Equal("DONE", Step(steps, "RUN echo \"$(cat /b.txt)"));
        var lines = (await KistAsync(root, "run", "--rm", tag)).ShouldSucceed().Lines;
        Assert.Equal(output.Split('\n')[0], lines[0]);
        Assert.StartsWith("beta 2 ", lines[1]);
        (await KistAsync(root, "system", "check")).ShouldSucceed();
        await ContainerLeaks.AssertNoneAsync(root);
    }

    [Fact]
    public async Task A_local_cache_export_is_reused_on_a_fresh_root()
    {
        string dest = _scratch.File("cache");
        await RoundTripAsync($"type=local,dest={dest}", $"type=local,src={dest}");
        Assert.True(File.Exists(Path.Combine(dest, "oci-layout")));
        // The export is an OCI image layout: one manifest whose config is kist's cache config.
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(dest, "index.json")));
        var manifest = index.RootElement.GetProperty("manifests")[0];
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", manifest.GetProperty("mediaType").GetString());
    }

    [Fact]
    public async Task A_registry_cache_export_is_reused_on_a_fresh_root()
    {
        await using var registry = await ReferenceRegistry.StartPlainAsync();
        string reference = $"{registry.Host}/kist-cache/app:buildcache";
        await RoundTripAsync($"type=registry,ref={reference},mode=max", reference);
    }

    [Fact]
    public async Task A_registry_cache_behind_basic_auth_and_TLS_uses_the_login()
    {
        await using var registry = await ReferenceRegistry.StartTlsBasicAsync();
        var login = await KistWithEnvironmentAsync(fixture.Root.Path, Environment, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(registry.Password!)),
            ["login", "-u", registry.Username!, "--password-stdin", "--cert-dir", registry.CertDirectory!, registry.Host]);
        login.ShouldSucceed();
        string reference = $"{registry.Host}/kist-cache/private:buildcache";
        await RoundTripAsync($"type=registry,ref={reference}", $"type=registry,ref={reference}", "--cert-dir", registry.CertDirectory!);
    }

    [Fact]
    public async Task A_failed_export_fails_the_build_unless_ignore_error()
    {
        WriteApp();
        var failed = await BuildAsync(fixture.Root.Path, "--cache-to", "type=local,dest=/proc/kist-cache-export");
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("failed to export the build cache to local:/proc/kist-cache-export", failed.Stderr);
        var ignored = (await BuildAsync(fixture.Root.Path, "--cache-to", "type=local,dest=/proc/kist-cache-export,ignore-error=true")).ShouldSucceed();
        Assert.Contains("WARNING: cache not exported", ignored.Stderr);
    }

    [Fact]
    public async Task Mode_max_exports_the_steps_of_intermediate_stages()
    {
        Write("Dockerfile", $"""
            FROM {fixture.Base} AS builder
            RUN echo "built $(cat /proc/sys/kernel/random/uuid)" > /artifact
            FROM {fixture.Base}
            COPY --from=builder /artifact /artifact
            """);
        string min = _scratch.File("min"), max = _scratch.File("max");
        string tag = Tag();
        (await BuildAsync(fixture.Root.Path, "-t", tag, "--no-cache", "--cache-to", $"type=local,dest={min}", "--cache-to", $"type=local,dest={max},mode=max")).ShouldSucceed();
        string id = await ImageIdAsync(fixture.Root.Path, tag);

        string withMax = await FreshRootAsync();
        var steps = PlainProgressLog.Steps((await BuildAsync(withMax, "-t", tag, "--cache-from", $"type=local,src={max}")).ShouldSucceed().Stderr);
        Assert.Equal("CACHED", Step(steps, "RUN echo \"built"));
        Assert.Equal("CACHED", Step(steps, "COPY --from=builder"));
        Assert.Equal(id, await ImageIdAsync(withMax, tag));

        // min carries only the final stage's steps: the builder reruns (a new artifact, so the COPY too).
        string withMin = await FreshRootAsync();
        steps = PlainProgressLog.Steps((await BuildAsync(withMin, "-t", tag, "--cache-from", $"type=local,src={min}")).ShouldSucceed().Stderr);
        Assert.Equal("DONE", Step(steps, "RUN echo \"built"));
        Assert.NotEqual(id, await ImageIdAsync(withMin, tag));
    }

    [Fact]
    public async Task A_missing_cache_source_is_a_warning()
    {
        WriteApp();
        await using var registry = await ReferenceRegistry.StartPlainAsync();
        var build = (await BuildAsync(fixture.Root.Path, "--cache-from", $"type=local,src={_scratch.File("nothing")}",
            "--cache-from", $"{registry.Host}/kist-cache/none:missing")).ShouldSucceed();
        Assert.Contains($"WARNING: cache source local:{_scratch.File("nothing")} not used", build.Stderr);
        Assert.Contains($"WARNING: cache source {registry.Host}/kist-cache/none:missing not used", build.Stderr);
    }

    [Fact]
    public async Task Tampered_cache_layers_are_refused_and_the_steps_run()
    {
        WriteApp();
        string dest = _scratch.File("tampered");
        (await BuildAsync(fixture.Root.Path, "--no-cache", "--cache-to", $"type=local,dest={dest}")).ShouldSucceed();
        // Every layer blob of the export now holds other bytes (a valid gzip tar: the diffID and digest checks must catch it).
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(dest, "index.json")));
        string manifestDigest = index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(dest, "blobs", "sha256", manifestDigest[7..])));
        var layers = manifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!).ToList();
        Assert.Equal(4, layers.Count);
        string otherLayer = _scratch.File("other.tar.gz");
        (await ToolAsync("sh", "-c", $"cd {_context.Path} && tar -cz a.txt > {otherLayer}")).ShouldSucceed();
        foreach (var layer in layers) File.Copy(otherLayer, Path.Combine(dest, "blobs", "sha256", layer[7..]), overwrite: true);

        string root = await FreshRootAsync();
        var build = (await BuildAsync(root, "--cache-from", $"type=local,src={dest}")).ShouldSucceed();
        Assert.DoesNotContain("CACHED", build.Stderr);
        Assert.Contains("WARNING: cache layer sha256:", build.Stderr);
        // The bytes that came from the cache never entered the store (the COPY steps, run again, make their own layers).
        string tampered = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(otherLayer)));
        Assert.False(File.Exists(Path.Combine(root, "blobs", "sha256", tampered)));
        Assert.Empty(Directory.GetFiles(Path.Combine(root, "ingest")));
        (await KistAsync(root, "system", "check")).ShouldSucceed();
        await ContainerLeaks.AssertNoneAsync(root);
    }

    [Theory]
    [InlineData("--cache-to", "type=gha", "unsupported cache type gha")]
    [InlineData("--cache-to", "type=inline", "unsupported cache type inline")]
    [InlineData("--cache-from", "type=s3,bucket=b", "unsupported cache type s3")]
    [InlineData("--cache-to", "type=local", "needs dest=")]
    public async Task Unsupported_cache_types_are_errors(string flag, string value, string message)
    {
        WriteApp();
        var build = await BuildAsync(fixture.Root.Path, flag, value);
        Assert.Equal(1, build.ExitCode);
        Assert.Contains(message, build.Stderr);
        Assert.DoesNotContain("#1 ", build.Stderr);
    }
}
