using Kist.Build.Copy;

namespace Kist.Build.Tests.Copy;

public sealed class CopyChecksumTests : IDisposable
{
    private readonly CopyFixture _f = new();

    public void Dispose() => _f.Dispose();

    private CopyRequest Request(string dest = "/app/", string? chown = null) =>
        new() { From = _f.Source(), Sources = ["src"], Destination = dest, Chown = chown };

    [Fact]
    public async Task SameInputsSameChecksumMtimesIgnored()
    {
        _f.Context.File("src/a.txt", "A");
        _f.Context.File("src/b/c.txt", "C");
        var first = await _f.ChecksumAsync(Request());
        Assert.StartsWith("sha256:", first);
        Assert.Equal(71, first.Length);
        File.SetLastWriteTimeUtc(_f.Context["src/a.txt"], new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(first, await _f.ChecksumAsync(Request()));
    }

    [Fact]
    public async Task ContentModeNamesAndOptionsChangeIt()
    {
        _f.Context.File("src/a.txt", "A");
        var baseline = await _f.ChecksumAsync(Request());
        _f.Context.File("src/a.txt", "B");
        var content = await _f.ChecksumAsync(Request());
        Assert.NotEqual(baseline, content);
        File.SetUnixFileMode(_f.Context["src/a.txt"], (UnixFileMode)Convert.ToInt32("600", 8));
        var mode = await _f.ChecksumAsync(Request());
        Assert.NotEqual(content, mode);
        Assert.NotEqual(mode, await _f.ChecksumAsync(Request("/other/")));
        Assert.NotEqual(mode, await _f.ChecksumAsync(Request(chown: "1:1")));
        File.Move(_f.Context["src/a.txt"], _f.Context["src/z.txt"]);
        Assert.NotEqual(mode, await _f.ChecksumAsync(Request()));
    }
}
