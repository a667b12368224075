using Kist.Build.Copy;
using Kist.Layers.Native;
using Kist.Oci;

namespace Kist.Build.Tests.Copy;

public sealed class CopyOwnershipTests : IDisposable
{
    private readonly CopyFixture _f = new();

    public CopyOwnershipTests()
    {
        Assert.True(Libc.IsRoot, "ownership tests need root");
    }

    public void Dispose() => _f.Dispose();

    private void Chown(string path, int uid, int gid) => Assert.Equal(0, Libc.FchownAt(Libc.AT_FDCWD, path, uid, gid, Libc.AT_SYMLINK_NOFOLLOW));

    private Task Copy(string dest, string source, string? chown = null, string? chmod = null, bool keep = false) =>
        _f.CopyAsync(new CopyRequest
        {
            From = keep ? CopySourceTree.FromRootfs(_f.Context.Root) : _f.Source(), Sources = [source], Destination = dest, Chown = chown, Chmod = chmod,
        });

    private (uint, uint) Ids(string rel)
    {
        var st = _f.Target.Stat(rel);
        return (st.Uid, st.Gid);
    }

    [Fact]
    public async Task ContextFilesBecomeRootOwned()
    {
        Chown(_f.Context.File("a.txt", "A"), 1234, 4321);
        await Copy("/x", "a.txt");
        Assert.Equal((0u, 0u), Ids("x"));
    }

    [Fact]
    public async Task FromCopiesKeepTheSourceIds()
    {
        Chown(_f.Context.File("d/a.txt", "A"), 1234, 4321);
        await Copy("/x/", "d", keep: true);
        Assert.Equal((1234u, 4321u), Ids("x/a.txt"));
    }

    [Theory]
    [InlineData("alice", 1001u, 1002u)]
    [InlineData("bob:wheel", 1003u, 1500u)]
    [InlineData("1234", 1234u, 1234u)]
    [InlineData("1234:55", 1234u, 55u)]
    [InlineData("alice:1500", 1001u, 1500u)]
    public async Task ChownNamesComeFromTheTarget(string chown, uint uid, uint gid)
    {
        _f.Context.File("a.txt", "A");
        await Copy("/o/x", "a.txt", chown);
        Assert.Equal((uid, gid), Ids("o/x"));
    }

    [Fact]
    public async Task ChownAppliesToCreatedDirectoriesAndContents()
    {
        _f.Context.File("dir/sub/d.txt", "D");
        _f.Context.Symlink("dir/link", "sub");
        _f.Target.Dir("existing");
        await Copy("/existing/deep/x/", "dir", "alice");
        Assert.Equal((0u, 0u), Ids("existing"));
        Assert.Equal((1001u, 1002u), Ids("existing/deep"));
        Assert.Equal((1001u, 1002u), Ids("existing/deep/x"));
        Assert.Equal((1001u, 1002u), Ids("existing/deep/x/sub"));
        Assert.Equal((1001u, 1002u), Ids("existing/deep/x/sub/d.txt"));
        Assert.Equal((1001u, 1002u), Ids("existing/deep/x/link"));
    }

    [Fact]
    public async Task UnknownUserIsAnError()
    {
        _f.Context.File("a.txt", "A");
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => Copy("/x", "a.txt", "nobody"));
        Assert.Contains("nobody", e.Message);
    }

    [Fact]
    public async Task ChmodAppliesToFilesAndSubdirectoriesNotSymlinks()
    {
        _f.Context.File("dir/c.txt", "C");
        _f.Context.File("dir/sub/d.txt", "D", mode: "600");
        await Copy("/o/chmoddir", "dir", chmod: "700");
        Assert.Equal(0x1C0u, _f.Target.Stat("o/chmoddir/c.txt").Permissions);
        Assert.Equal(0x1C0u, _f.Target.Stat("o/chmoddir/sub").Permissions);
        Assert.Equal(0x1EDu, _f.Target.Stat("o/chmoddir").Permissions);
        await Assert.ThrowsAsync<InvalidInputException>(() => Copy("/x", "dir", chmod: "u+x"));
    }
}
