using Kist.Cli.Tests.EndToEnd.Registries;
using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// <c>run</c>/<c>create</c> pull a missing image as docker does (from a real registry), and <c>--pull
/// always|missing|never</c> with docker's messages and exit codes.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RunPullTests : IDisposable
{
    private readonly TestRoot _source = new("kist-runpull-src");
    private readonly TestRoot _root = new("kist-runpull");
    private readonly string _repository = "kist-e2e/runpull-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose()
    {
        ContainerLeaks.CleanUpAsync(_root.Path).GetAwaiter().GetResult();
        _source.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task Run_and_create_pull_a_missing_image_and_honour_the_pull_policy()
    {
        await using var registry = await ReferenceRegistry.StartPlainAsync();
        string image = $"{registry.Host}/{_repository}:1";
        string tar = _source.File("rootfs.tar");
        Rootfs.WriteBusyboxTar(tar);
        (await KistAsync(_source.Path, "import", "-c", "CMD [\"echo\", \"hi\"]", tar, image)).ShouldSucceed();
        (await KistAsync(_source.Path, "push", image)).ShouldSucceed();
        string missing = $"{registry.Host}/{_repository}:missing";

        // --pull never: docker's error, 125 for run and 1 for create; nothing is pulled.
        var never = await KistAsync(_root.Path, "run", "--rm", "--pull", "never", "--network", "none", image);
        Assert.Equal(125, never.ExitCode);
        Assert.Contains($"No such image: {image}", never.Stderr);
        Assert.Equal(1, (await KistAsync(_root.Path, "create", "--pull", "never", "--network", "none", image)).ExitCode);
        Assert.Equal(125, (await KistAsync(_root.Path, "run", "--pull", "sometimes", image)).ExitCode);

        // Missing: the notice, then the pull's output, all on stderr; the container's output alone on stdout.
        var run = (await KistAsync(_root.Path, "run", "--rm", "--network", "none", image)).ShouldSucceed();
        Assert.Equal("hi\n", run.Stdout);
        var lines = run.Stderr.Split('\n');
        Assert.Equal($"Unable to find image '{image}' locally", lines[0]);
        Assert.Contains($"1: Pulling from {_repository}", lines);
        Assert.Contains(lines, l => l.StartsWith("Digest: sha256:", StringComparison.Ordinal));
        Assert.Contains($"Status: Downloaded newer image for {image}", lines);

        // Present: no pull; --pull always pulls again and finds it up to date.
        var again = (await KistAsync(_root.Path, "run", "--rm", "--network", "none", image)).ShouldSucceed();
        Assert.Equal("", again.Stderr);
        var always = (await KistAsync(_root.Path, "run", "--rm", "--pull", "always", "--network", "none", image)).ShouldSucceed();
        Assert.DoesNotContain("Unable to find", always.Stderr);
        Assert.Contains($"Status: Image is up to date for {image}", always.Stderr);
        Assert.Equal("hi\n", always.Stdout);

        // create pulls too and prints only the container's ID on stdout.
        (await KistAsync(_source.Path, "tag", image, $"{registry.Host}/{_repository}:2")).ShouldSucceed();
        (await KistAsync(_source.Path, "push", $"{registry.Host}/{_repository}:2")).ShouldSucceed();
        var create = (await KistAsync(_root.Path, "create", "--network", "none", $"{registry.Host}/{_repository}:2")).ShouldSucceed();
        Assert.Matches("^[0-9a-f]{64}\n$", create.Stdout);
        Assert.StartsWith($"Unable to find image '{registry.Host}/{_repository}:2' locally\n", create.Stderr);

        // A name the registry does not have: the pull's error, 125.
        var unknown = await KistAsync(_root.Path, "run", "--rm", "--network", "none", missing);
        Assert.Equal(125, unknown.ExitCode);
        Assert.StartsWith($"Unable to find image '{missing}' locally\n", unknown.Stderr);
        Assert.Contains("Error: ", unknown.Stderr);

        // docker says the same first line, and the same for --pull never.
        Assert.Equal(125, (await Docker.RunAsync("run", "--rm", "--pull", "never", missing)).ExitCode);
        var docker = await Docker.RunAsync("run", "--rm", missing);
        Assert.StartsWith($"Unable to find image '{missing}' locally\n", docker.Stderr);
        Assert.Equal(125, docker.ExitCode);
    }
}
