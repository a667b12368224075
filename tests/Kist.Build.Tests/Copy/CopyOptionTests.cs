using Kist.Build.Copy;

namespace Kist.Build.Tests.Copy;

/// <summary>--parents, --exclude, --link and hardlinks.</summary>
public sealed class CopyOptionTests : IDisposable
{
    private readonly CopyFixture _f = new();

    public void Dispose() => _f.Dispose();

    private Task<string> Copy(string dest, string[] sources, bool parents = false, string[]? excludes = null, bool link = false) =>
        _f.CopyAsync(new CopyRequest { From = _f.Source(), Sources = sources, Destination = dest, Parents = parents, Excludes = excludes ?? [], Link = link });

    [Fact]
    public async Task ParentsKeepTheSourcePaths()
    {
        _f.Context.File("x/y/a.txt", "A");
        _f.Context.File("x/z/b.txt", "B");
        _f.Context.File("w/sub/c.txt", "C");
        await Copy("/p/", ["x/*/*.txt", "w"], parents: true);
        Assert.Equal("A", _f.Target.Read("p/x/y/a.txt"));
        Assert.Equal("B", _f.Target.Read("p/x/z/b.txt"));
        Assert.Equal("C", _f.Target.Read("p/w/sub/c.txt"));
        await Copy("/q/", ["x/./y/a.txt"], parents: true);
        Assert.Equal("A", _f.Target.Read("q/y/a.txt"));
        await Copy("/r/", ["./x/./y/*.txt"], parents: true);
        Assert.Equal("A", _f.Target.Read("r/y/a.txt"));
    }

    [Fact]
    public async Task ExcludesSkipMatchingPaths()
    {
        _f.Context.File("dir/a.txt", "A");
        _f.Context.File("dir/b.md", "B");
        _f.Context.File("dir/sub/c.txt", "C");
        _f.Context.File("hom1.txt", "1");
        _f.Context.File("hom2.md", "2");
        await Copy("/e/", ["dir"], excludes: ["*.txt"]);
        Assert.False(_f.Target.Exists("e/a.txt"));
        Assert.True(_f.Target.Exists("e/b.md"));
        Assert.True(_f.Target.Exists("e/sub/c.txt"));
        await Copy("/f/", ["dir"], excludes: ["**/*.txt"]);
        Assert.False(_f.Target.Exists("f/sub/c.txt"));
        await Copy("/g/", ["hom*"], excludes: ["*.txt"]);
        Assert.False(_f.Target.Exists("g/hom1.txt"));
        Assert.True(_f.Target.Exists("g/hom2.md"));
    }

    [Fact]
    public async Task LinkGivesTheSameFiles()
    {
        _f.Context.File("a.txt", "A");
        await Copy("/l/", ["a.txt"], link: true);
        Assert.Equal("A", _f.Target.Read("l/a.txt"));
    }

    [Fact]
    public async Task HardlinksInsideADirectoryAreKept()
    {
        _f.Context.File("d/a.txt", "A");
        Assert.Equal(0, Kist.Layers.Native.Libc.LinkAt(Kist.Layers.Native.Libc.AT_FDCWD, _f.Context["d/a.txt"], Kist.Layers.Native.Libc.AT_FDCWD, _f.Context["d/b.txt"], 0));
        await Copy("/h/", ["d"]);
        var a = _f.Target.Stat("h/a.txt");
        var b = _f.Target.Stat("h/b.txt");
        Assert.Equal(a.Inode, b.Inode);
        Assert.Equal("A", _f.Target.Read("h/b.txt"));
    }

    [Fact]
    public async Task ExistingFilesAreReplacedButNotDirectoriesByFiles()
    {
        _f.Context.File("d/a.txt", "new");
        _f.Target.File("t/a.txt", "old");
        _f.Target.Symlink("t/dangling", "/nowhere");
        await Copy("/t/", ["d"]);
        Assert.Equal("new", _f.Target.Read("t/a.txt"));
        _f.Target.Dir("u/a.txt");
        await Assert.ThrowsAsync<Kist.Oci.InvalidInputException>(() => Copy("/u/", ["d"]));
    }
}
