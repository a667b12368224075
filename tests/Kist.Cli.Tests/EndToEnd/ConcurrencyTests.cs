using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>Many kist processes on one root at once: no corruption, no lost names.</summary>
public sealed class ConcurrencyTests : IDisposable
{
    private readonly TestRoot _root = new("kist-root");
    private readonly TestRoot _scratch = new("kist-scratch");

    public void Dispose()
    {
        _root.Dispose();
        _scratch.Dispose();
    }

    [Fact]
    public async Task Loads_tags_removals_and_prunes_at_once_keep_the_store_consistent()
    {
        // Three archives of different images, made in a separate root.
        using var source = new TestRoot("kist-source");
        var archives = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            string tar = _scratch.File($"rootfs{i}.tar");
            Rootfs.WriteBusyboxTar(tar, $"data{i}.bin", 100_000 * (i + 1));
            (await KistAsync(source.Path, "import", tar, $"conc/image{i}:1")).ShouldSucceed();
            string archive = _scratch.File($"image{i}.tar");
            (await KistAsync(source.Path, "save", "-o", archive, $"conc/image{i}:1")).ShouldSucceed();
            archives.Add(archive);
        }
        (await KistAsync(_root.Path, "load", "-i", archives[0])).ShouldSucceed();

        var operations = new List<Task<RunResult>>();
        for (int round = 0; round < 4; round++)
        {
            foreach (var archive in archives) operations.Add(KistAsync(_root.Path, "load", "-i", archive));
            operations.Add(KistAsync(_root.Path, "tag", "conc/image0:1", $"conc/extra:{round}"));
            operations.Add(KistAsync(_root.Path, "rmi", $"conc/extra:{round}"));
            operations.Add(KistAsync(_root.Path, "image", "prune", "-f"));
            operations.Add(KistAsync(_root.Path, "system", "prune", "-f"));
            operations.Add(KistAsync(_root.Path, "images"));
        }
        var results = await Task.WhenAll(operations);
        // Loads, prunes and listings must all succeed; tag and rmi may race each other.
        for (int i = 0; i < results.Length; i++)
        {
            if (i % 8 is 0 or 1 or 2 or 5 or 6 or 7) results[i].ShouldSucceed();
        }

        var check = (await KistAsync(_root.Path, "system", "check")).ShouldSucceed();
        Assert.Contains("no problems found", check.Stdout);
        var names = (await KistAsync(_root.Path, "images", "--format", "{{.Repository}}:{{.Tag}}")).ShouldSucceed().Lines;
        for (int i = 0; i < 3; i++) Assert.Contains($"conc/image{i}:1", names);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root.Path, "ingest")));
    }
}
