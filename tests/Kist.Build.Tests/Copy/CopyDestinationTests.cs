using Kist.Build.Copy;

namespace Kist.Build.Tests.Copy;

public sealed class CopyDestinationTests : IDisposable
{
    private readonly CopyFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task FileToNewPathIsNamedByTheDestination()
    {
        _f.Context.File("a.txt", "A");
        await _f.CopyAsync("/x/y", "a.txt");
        Assert.Equal("A", _f.Target.Read("x/y"));
        var parent = _f.Target.Stat("x");
        Assert.True(parent.IsDirectory);
        Assert.Equal(0x1EDu, parent.Permissions);
    }

    [Fact]
    public async Task TrailingSlashMeansDirectory()
    {
        _f.Context.File("a.txt", "A");
        await _f.CopyAsync("/x/", "a.txt");
        Assert.Equal("A", _f.Target.Read("x/a.txt"));
    }

    [Fact]
    public async Task FileIntoAnExistingDirectoryGoesInside()
    {
        _f.Context.File("a.txt", "A");
        _f.Target.Dir("d");
        await _f.CopyAsync("/d", "a.txt");
        Assert.Equal("A", _f.Target.Read("d/a.txt"));
    }

    [Fact]
    public async Task RelativeDestinationUsesWorkingDir()
    {
        _f.Context.File("a.txt", "A");
        await _f.CopyAsync(new CopyRequest { From = _f.Source(), Sources = ["a.txt"], Destination = "rel", WorkingDir = "/w/d" });
        Assert.Equal("A", _f.Target.Read("w/d/rel"));
        await _f.CopyAsync(new CopyRequest { From = _f.Source(), Sources = ["a.txt"], Destination = ".", WorkingDir = "/w" });
        Assert.Equal("A", _f.Target.Read("w/a.txt"));
    }

    [Fact]
    public async Task DirectorySourceCopiesItsContents()
    {
        _f.Context.File("dir/c.txt", "C");
        _f.Context.File("dir/sub/d.txt", "D", mode: "600");
        _f.Context.Symlink("dir/link", "c.txt");
        await _f.CopyAsync("/o/dir", "dir");
        Assert.Equal("C", _f.Target.Read("o/dir/c.txt"));
        Assert.Equal("D", _f.Target.Read("o/dir/sub/d.txt"));
        Assert.Equal(0x180u, _f.Target.Stat("o/dir/sub/d.txt").Permissions);
        Assert.True(_f.Target.Stat("o/dir/link").IsSymlink);
        Assert.Equal("c.txt", new FileInfo(_f.Target["o/dir/link"]).LinkTarget);
    }

    [Fact]
    public async Task SeveralSourcesNeedADirectoryDestination()
    {
        _f.Context.File("a.txt", "A");
        _f.Context.File("b.txt", "B");
        var e = await Assert.ThrowsAsync<Kist.Oci.InvalidInputException>(() => _f.CopyAsync("/multi", "a.txt", "b.txt"));
        Assert.Contains("must be a directory and end with a /", e.Message);
        await _f.CopyAsync("/multi/", "a.txt", "b.txt");
        Assert.Equal("B", _f.Target.Read("multi/b.txt"));
    }

    [Fact]
    public async Task AbsoluteSymlinksInTheTargetResolveInsideIt()
    {
        _f.Context.File("a.txt", "A");
        _f.Target.Dir("run");
        _f.Target.Dir("var");
        _f.Target.Symlink("var/run", "/run");
        await _f.CopyAsync("/var/run/inrun", "a.txt");
        Assert.Equal("A", _f.Target.Read("run/inrun"));
        _f.Target.Dir("tmp");
        _f.Target.Symlink("escape", "../../../../../../tmp");
        await _f.CopyAsync("/escape/", "a.txt");
        Assert.Equal("A", _f.Target.Read("tmp/a.txt"));
    }

    [Fact]
    public async Task ExistingDirectoryKeepsItsModeWhenADirectoryIsCopiedInto()
    {
        _f.Context.File("d7/f", "x");
        _f.Context.Dir("d7", "700");
        _f.Target.Dir("e/ex", "711");
        await _f.CopyAsync("/e/ex", "d7");
        await _f.CopyAsync("/n/new", "d7");
        Assert.Equal(0x1C9u, _f.Target.Stat("e/ex").Permissions);
        Assert.Equal(0x1EDu, _f.Target.Stat("n/new").Permissions);
        Assert.Equal("x", _f.Target.Read("n/new/f"));
    }
}
