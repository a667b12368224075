using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// rmi, image prune and system prune keep an image that containers use, with docker's conflicts (checked against
/// docker's wording), and never take the snapshots a container stands on.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ImagesInUseTests : IDisposable
{
    private readonly TestRoot _root = new("kist-inuse");

    public void Dispose()
    {
        ContainerLeaks.CleanUpAsync(_root.Path).GetAwaiter().GetResult();
        _root.Dispose();
    }

    private Task<RunResult> KistAsync(params string[] args) => KistProcess.KistAsync(_root.Path, args);

    [Fact]
    public async Task Rmi_and_prunes_keep_an_image_that_containers_use()
    {
        string tar = _root.File("rootfs.tar");
        Rootfs.WriteBusyboxTar(tar);
        string image = "kist-inuse/img:1", other = "kist-inuse/img:2";
        string id = (await KistAsync("import", tar, image)).ShouldSucceed().Stdout.Trim()["sha256:".Length..][..12];
        (await KistAsync("tag", image, other)).ShouldSucceed();
        string c = (await KistAsync("create", "--network", "none", "--name", "inuse", image, "busybox", "sleep", "30")).ShouldSucceed().Stdout.Trim()[..12];

        // One of several tags: untagged only.
        Assert.Equal("Untagged: kist-inuse/img:2\n", (await KistAsync("rmi", other)).ShouldSucceed().Stdout);
        // The last tag, and the ID, under a stopped container: refused unless forced.
        var last = await KistAsync("rmi", image);
        Assert.Equal(1, last.ExitCode);
        Assert.Equal($"Error: conflict: unable to remove repository reference \"{image}\" (must force) - container {c} is using its referenced image {id}\n", last.Stderr);
        var byId = await KistAsync("rmi", id);
        Assert.Equal(1, byId.ExitCode);
        Assert.Equal($"Error: conflict: unable to delete {id} (must be forced) - image is being used by stopped container {c}\n", byId.Stderr);
        (await KistAsync("image", "prune", "-a", "-f")).ShouldSucceed();
        Assert.Contains(id, (await KistAsync("images", "-q")).Stdout);

        // Running: never deleted, not even forced; forced by name it loses its name and stays.
        (await KistAsync("start", "inuse")).ShouldSucceed();
        var running = await KistAsync("rmi", "-f", id);
        Assert.Equal(1, running.ExitCode);
        Assert.Equal($"Error: conflict: unable to delete {id} (cannot be forced) - image is being used by running container {c}\n", running.Stderr);
        Assert.Equal($"Untagged: {image}\n", (await KistAsync("rmi", "-f", image)).ShouldSucceed().Stdout);
        (await KistAsync("system", "prune", "-a", "-f")).ShouldSucceed();
        Assert.Contains(id, (await KistAsync("images", "-q")).Stdout);
        Assert.Equal("running", (await KistAsync("inspect", "-f", "{{.State.Status}}", "inuse")).ShouldSucceed().Stdout.Trim());

        // Stopped, forced by ID: docker deletes the image; the container keeps its filesystem and starts again.
        (await KistAsync("kill", "inuse")).ShouldSucceed();
        (await KistAsync("wait", "inuse")).ShouldSucceed();
        (await KistAsync("image", "prune", "-a", "-f")).ShouldSucceed();
        Assert.Contains(id, (await KistAsync("images", "-q")).Stdout);
        Assert.Contains("Deleted: sha256:" + id, (await KistAsync("rmi", "-f", id)).ShouldSucceed().Stdout);
        Assert.DoesNotContain(id, (await KistAsync("images", "-q")).Stdout);
        (await KistAsync("start", "inuse")).ShouldSucceed();
        Assert.Equal("hi\n", (await KistAsync("exec", "inuse", "echo", "hi")).ShouldSucceed().Stdout);
        (await KistAsync("rm", "-f", "inuse")).ShouldSucceed();
        await ContainerLeaks.AssertNoneAsync(_root.Path);
    }
}
