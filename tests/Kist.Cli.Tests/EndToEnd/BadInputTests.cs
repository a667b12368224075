using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>Bad input gets one clear line on stderr, exit code 1, and leaves the store byte-for-byte unchanged.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private readonly TestRoot _root = new("kist-root");
    private readonly TestRoot _scratch = new("kist-scratch");
    private string _archive = "";

    public async Task InitializeAsync()
    {
        string tar = _scratch.File("rootfs.tar");
        Rootfs.WriteBusyboxTar(tar);
        (await KistAsync(_root.Path, "import", tar, "good:1")).ShouldSucceed();
        _archive = _scratch.File("good.tar");
        (await KistAsync(_root.Path, "save", "-o", _archive, "good:1")).ShouldSucceed();
    }

    public Task DisposeAsync()
    {
        _root.Dispose();
        _scratch.Dispose();
        return Task.CompletedTask;
    }

    private async Task AssertRejectedAndUnchangedAsync(string expectedMessage, params string[] args)
    {
        var before = _root.Snapshot();
        var result = await KistAsync(_root.Path, args);
        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Stdout);
        string error = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Error: ", error);
        Assert.Contains(expectedMessage, error);
        Assert.Equal(before, _root.Snapshot());
    }

    [Fact]
    public async Task Truncated_archive()
    {
        string truncated = _scratch.File("truncated.tar");
        var bytes = await File.ReadAllBytesAsync(_archive);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)]);
        await AssertRejectedAndUnchangedAsync("truncated", "load", "-i", truncated);
    }

    [Fact]
    public async Task Layer_whose_digest_does_not_match_its_manifest()
    {
        string layer = ArchiveEditing.LargestEntry(_archive);
        string tampered = _scratch.File("tampered.tar");
        ArchiveEditing.Rewrite(_archive, tampered, (name, data) =>
        {
            if (name == layer) data[^2000] ^= 0xff;
            return data;
        });
        await AssertRejectedAndUnchangedAsync("does not match", "load", "-i", tampered);
    }

    [Fact]
    public async Task Manifest_naming_a_missing_blob()
    {
        string oci = _scratch.File("oci.tar");
        (await KistAsync(_root.Path, "save", "--format", "oci-archive", "-o", oci, "good:1")).ShouldSucceed();
        string layer = ArchiveEditing.LargestEntry(oci);
        string missing = _scratch.File("missing.tar");
        ArchiveEditing.Rewrite(oci, missing, (name, data) => name == layer ? null : data);
        await AssertRejectedAndUnchangedAsync("does not hold", "load", "-i", missing);
    }

    [Fact]
    public async Task Invalid_references()
    {
        await AssertRejectedAndUnchangedAsync("invalid reference format", "tag", "good:1", "Bad:Name");
        await AssertRejectedAndUnchangedAsync("must be lowercase", "tag", "good:1", "docker.io/Upper/case");
        await AssertRejectedAndUnchangedAsync("invalid reference format", "import", _scratch.File("rootfs.tar"), "no spaces allowed");
    }

    [Fact]
    public async Task Non_tar_files()
    {
        string text = _scratch.File("notes.txt");
        await File.WriteAllTextAsync(text, string.Concat(Enumerable.Repeat("this is not a tar archive\n", 100)));
        await AssertRejectedAndUnchangedAsync("not a", "load", "-i", text);
        await AssertRejectedAndUnchangedAsync("not a valid tar", "import", text, "text:1");
        string empty = _scratch.File("empty");
        await File.WriteAllBytesAsync(empty, []);
        await AssertRejectedAndUnchangedAsync("not a", "import", empty, "empty:1");
        await AssertRejectedAndUnchangedAsync("no such file", "load", "-i", _scratch.File("does-not-exist.tar"));
    }
}
