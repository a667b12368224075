using Kist.Build.Copy;

namespace Kist.Build.Tests.Copy;

/// <summary>Hostile targets and contexts: nothing is written or read outside the two trees.</summary>
public sealed class CopySafetyTests : IDisposable
{
    private readonly CopyFixture _f = new();
    private readonly TempTree _outside = new("kist-build-outside-");

    public void Dispose()
    {
        _f.Dispose();
        _outside.Dispose();
    }

    [Fact]
    public async Task SymlinksInTheTargetNeverLeadOutOfIt()
    {
        _f.Context.File("d/sub/x.txt", "X");
        _f.Context.File("d/victim", "new");
        _outside.File("victim", "host");
        await Assert.ThrowsAsync<Kist.Oci.InvalidInputException>(() => Dangling());
        Assert.False(_outside.Exists("x.txt"));
        _f.Target.Dir(_outside.Root.TrimStart('/'));
        _f.Target.Symlink("t/victim", _outside["victim"]);
        _f.Target.Symlink("t/sub", _outside.Root);
        _f.Target.Symlink("u", _outside.Root + "/../" + Path.GetFileName(_outside.Root));
        await _f.CopyAsync("/t/", "d");
        await _f.CopyAsync("/u/deep/", "d");
        Assert.Equal("host", _outside.Read("victim"));
        Assert.False(_outside.Exists("x.txt"));
        Assert.False(_outside.Exists("deep"));
        Assert.Equal("new", _f.Target.Read("t/victim"));
        Assert.Equal("X", _f.Target.Read(_outside.Root.TrimStart('/') + "/x.txt"));
    }

    // A symlink to a directory missing inside the target is an error, never a write on the host.
    private async Task Dangling()
    {
        using var t = new TempTree("kist-build-dangling-");
        t.Symlink("t/sub", _outside.Root);
        var request = new CopyRequest { From = _f.Source(), Sources = ["d"], Destination = "/t/" };
        await using var plan = await CopyPlanner.PlanAsync(request, null);
        await plan.ApplyAsync(t.Root);
    }

    [Fact]
    public async Task SymlinksInTheContextAreCopiedNotFollowed()
    {
        _outside.File("secret", "S");
        _f.Context.Symlink("d/out", _outside.Root);
        _f.Context.Symlink("d/secret", _outside["secret"]);
        await _f.CopyAsync("/c/", "d");
        Assert.True(_f.Target.Stat("c/out").IsSymlink);
        Assert.True(_f.Target.Stat("c/secret").IsSymlink);
        await Assert.ThrowsAsync<Kist.Oci.NotFoundException>(() => _f.CopyAsync("/c2/", "d/out/secret"));
        await Assert.ThrowsAsync<Kist.Oci.NotFoundException>(() => _f.CopyAsync("/c3/", "d/secret"));
        await _f.CopyAsync("/c4/", "d/*/secret"); // wildcards do not descend through symlinks
        Assert.False(_f.Target.Exists("c4/secret"));
    }
}
