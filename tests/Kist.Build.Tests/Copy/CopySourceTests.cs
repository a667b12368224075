using Kist.Build.Copy;
using Kist.Oci;

namespace Kist.Build.Tests.Copy;

public sealed class CopySourceTests : IDisposable
{
    private readonly CopyFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task WildcardsMatchAsGlobs()
    {
        _f.Context.File("a.txt", "A");
        _f.Context.File("b.txt", "B");
        _f.Context.File("c.md", "C");
        _f.Context.File("sub/x.txt", "X");
        await _f.CopyAsync("/g/", "*.txt");
        Assert.True(_f.Target.Exists("g/a.txt"));
        Assert.True(_f.Target.Exists("g/b.txt"));
        Assert.False(_f.Target.Exists("g/c.md"));
        Assert.False(_f.Target.Exists("g/x.txt"));
        await _f.CopyAsync("/h/", "s?b/*.txt");
        Assert.Equal("X", _f.Target.Read("h/x.txt"));
    }

    [Fact]
    public async Task SingleWildcardMatchToAFilePath()
    {
        _f.Context.File("s1.txt", "S");
        await _f.CopyAsync("/g/single", "s1.t?t");
        Assert.Equal("S", _f.Target.Read("g/single"));
    }

    [Fact]
    public async Task WildcardMatchingNothingCopiesNothing()
    {
        await _f.CopyAsync("/x/", "nomatch*");
        Assert.False(_f.Target.Exists("x/nomatch"));
    }

    [Fact]
    public async Task MissingSourceIsNotFound()
    {
        var e = await Assert.ThrowsAsync<NotFoundException>(() => _f.CopyAsync("/x/", "nomatch"));
        Assert.Equal("failed to compute cache key: \"/nomatch\" not found: not found", e.Message);
    }

    [Fact]
    public async Task SourcesCannotClimbOutOfTheContext()
    {
        _f.Context.File("a.txt", "A");
        await _f.CopyAsync("/o/climb", "../../a.txt");
        Assert.Equal("A", _f.Target.Read("o/climb"));
    }

    [Fact]
    public async Task SymlinksOutOfTheContextResolveInsideIt()
    {
        _f.Context.Symlink("evil", "/etc/passwd");
        _f.Context.Symlink("evil2", "../../../../../../../etc/passwd");
        await Assert.ThrowsAsync<NotFoundException>(() => _f.CopyAsync("/o/", "evil"));
        await Assert.ThrowsAsync<NotFoundException>(() => _f.CopyAsync("/o/", "evil2"));
        _f.Context.File("etc/passwd", "inside");
        await _f.CopyAsync("/o/", "evil");
        Assert.Equal("inside", _f.Target.Read("o/evil"));
    }

    [Fact]
    public async Task ASourceSymlinkIsFollowedButSymlinksInsideAreKept()
    {
        _f.Context.File("dir/c.txt", "C");
        _f.Context.Symlink("dir/link", "c.txt");
        _f.Context.Symlink("dirlink", "dir");
        await _f.CopyAsync("/o/dl", "dirlink");
        Assert.True(_f.Target.Stat("o/dl").IsDirectory);
        Assert.True(_f.Target.Stat("o/dl/link").IsSymlink);
        await _f.CopyAsync("/l/", "dir/link");
        Assert.True(_f.Target.Stat("l/link").IsRegular);
        Assert.Equal("C", _f.Target.Read("l/link"));
    }

    [Fact]
    public async Task IgnoredFilesAreInvisible()
    {
        _f.Context.File("keep.txt", "K");
        _f.Context.File("skip.log", "S");
        _f.Context.File("d/skip.log", "S");
        _f.Context.File("d/keep.txt", "K");
        var source = _f.Source(p => !p.EndsWith(".log", StringComparison.Ordinal));
        await _f.CopyAsync(new CopyRequest { From = source, Sources = ["."], Destination = "/all/" });
        Assert.True(_f.Target.Exists("all/keep.txt"));
        Assert.True(_f.Target.Exists("all/d/keep.txt"));
        Assert.False(_f.Target.Exists("all/skip.log"));
        Assert.False(_f.Target.Exists("all/d/skip.log"));
        await Assert.ThrowsAsync<NotFoundException>(() => _f.CopyAsync(new CopyRequest { From = source, Sources = ["skip.log"], Destination = "/x" }));
    }

    [Fact]
    public async Task MetadataKeptOwnershipRoot()
    {
        var mtime = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        _f.Context.File("a.sh", "#!/bin/sh", mode: "4755", mtime: mtime);
        await _f.CopyAsync("/bin/", "a.sh");
        var st = _f.Target.Stat("bin/a.sh");
        Assert.Equal(0x9EDu, st.Permissions);
        Assert.Equal(new DateTimeOffset(mtime).ToUnixTimeSeconds(), st.MtimeSec);
        Assert.Equal(0u, st.Uid);
        Assert.Equal(0u, st.Gid);
    }
}
