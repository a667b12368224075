using Kist.Oci;
using Kist.Runtime.Volumes;

namespace Kist.Runtime.Tests.Volumes;

public sealed class LocalVolumeStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "kist-volumes-" + Guid.NewGuid().ToString("N"));
    private readonly LocalVolumeStore _store;

    public LocalVolumeStoreTests() => _store = new LocalVolumeStore(_directory);

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    [Fact]
    public async Task Create_Named_MakesDataDirectoryAndMetadata()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var volume = await _store.CreateAsync("data.1_x-y", new Dictionary<string, string> { ["a"] = "1", ["b"] = "" });
        Assert.Equal("data.1_x-y", volume.Name);
        Assert.Equal(Path.Combine(_directory, "data.1_x-y", "_data"), volume.Mountpoint);
        Assert.True(Directory.Exists(volume.Mountpoint));
        Assert.False(volume.Anonymous);
        Assert.InRange(volume.CreatedAt, before, DateTimeOffset.UtcNow.AddSeconds(1));

        var read = await new LocalVolumeStore(_directory).GetAsync("data.1_x-y");
        Assert.NotNull(read);
        Assert.Equal(volume.CreatedAt, read.CreatedAt);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "" }, read.Labels);
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_directory), p => Path.GetFileName(p).StartsWith('.'));
    }

    [Fact]
    public async Task Create_Existing_ReturnsItUnchanged()
    {
        var first = await _store.CreateAsync("keep", new Dictionary<string, string> { ["a"] = "1" });
        await File.WriteAllTextAsync(Path.Combine(first.Mountpoint, "f"), "x");
        var second = await _store.CreateAsync("keep", new Dictionary<string, string> { ["other"] = "2" });
        Assert.Equal(first.CreatedAt, second.CreatedAt);
        Assert.Equal(first.Labels, second.Labels);
        Assert.Equal("x", await File.ReadAllTextAsync(Path.Combine(second.Mountpoint, "f")));
    }

    [Fact]
    public async Task Create_Anonymous_Gets64HexName()
    {
        var volume = await _store.CreateAsync(null);
        Assert.Matches("^[0-9a-f]{64}$", volume.Name);
        Assert.True(volume.Anonymous);
        Assert.True((await _store.GetAsync(volume.Name))!.Anonymous);
    }

    [Theory]
    [InlineData("a", "volume name is too short")]
    [InlineData("../x", "includes invalid characters")]
    [InlineData("a/b", "includes invalid characters")]
    [InlineData("_ab", "includes invalid characters")]
    [InlineData("-ab", "includes invalid characters")]
    [InlineData("a b", "includes invalid characters")]
    public async Task Create_RefusesDockerInvalidNames(string name, string message)
    {
        var e = await Assert.ThrowsAsync<InvalidInputException>(async () => await _store.CreateAsync(name));
        Assert.Contains(message, e.Message);
        Assert.False(Directory.Exists(_directory) && Directory.EnumerateFileSystemEntries(_directory).Any());
    }

    [Fact]
    public async Task ConcurrentCreates_OfOneName_AgreeOnOneVolume()
    {
        var volumes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () => await _store.CreateAsync("shared"))));
        Assert.Single(volumes.Select(v => v.CreatedAt).Distinct());
        Assert.Equal(["shared"], Directory.EnumerateDirectories(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task List_ByName_SkipsJunk()
    {
        await _store.CreateAsync("bb");
        await _store.CreateAsync("aa");
        Directory.CreateDirectory(Path.Combine(_directory, ".tmp-leftover"));
        Directory.CreateDirectory(Path.Combine(_directory, "nometadata"));
        var names = new List<string>();
        await foreach (var v in _store.ListAsync()) names.Add(v.Name);
        Assert.Equal(["aa", "bb"], names);
    }

    [Fact]
    public async Task Remove_DeletesEverything_AndReportsMissing()
    {
        var volume = await _store.CreateAsync("gone");
        Directory.CreateDirectory(Path.Combine(volume.Mountpoint, "sub"));
        await File.WriteAllTextAsync(Path.Combine(volume.Mountpoint, "sub", "f"), "data");
        File.CreateSymbolicLink(Path.Combine(volume.Mountpoint, "escape"), "/etc");
        Assert.True(await _store.RemoveAsync("gone"));
        Assert.False(Directory.Exists(Path.Combine(_directory, "gone")));
        Assert.True(File.Exists("/etc/hostname") || Directory.Exists("/etc"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
        Assert.False(await _store.RemoveAsync("gone"));
        Assert.False(await _store.RemoveAsync("../etc"));
        Assert.Null(await _store.GetAsync("../etc"));
    }

    [Fact]
    public async Task SizeOf_CountsTheData()
    {
        var volume = await _store.CreateAsync("sized");
        await File.WriteAllBytesAsync(Path.Combine(volume.Mountpoint, "f"), new byte[1000]);
        Directory.CreateDirectory(Path.Combine(volume.Mountpoint, "d"));
        await File.WriteAllBytesAsync(Path.Combine(volume.Mountpoint, "d", "g"), new byte[24]);
        Assert.Equal(1024, LocalVolumeStore.SizeOf(volume));
    }
}
