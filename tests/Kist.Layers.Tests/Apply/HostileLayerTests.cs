using Kist.Layers.Apply;
using Kist.Layers.Tar;
using Kist.Layers.Tests.Support;

namespace Kist.Layers.Tests.Apply;

/// <summary>
/// Hostile layers must never create, change or read anything outside the target. Each case runs with a sentinel
/// tree beside the target; the sentinel tree (contents, modes, times, link counts) must be identical afterwards.
/// </summary>
public sealed class HostileLayerTests : IDisposable
{
    private readonly TempDir _tmp = new("hostile");
    private readonly string _outside;
    private readonly string _target;
    private readonly string _sentinel;

    public HostileLayerTests()
    {
        _outside = _tmp.Sub("outside");
        _target = _tmp.Sub("target");
        _sentinel = Path.Combine(_outside, "sentinel");
        File.WriteAllText(_sentinel, "do not touch\n");
        Directory.CreateDirectory(Path.Combine(_outside, "dir"));
        File.WriteAllText(Path.Combine(_outside, "dir", "inner"), "inner\n");
    }

    public void Dispose() => _tmp.Dispose();

    public static TheoryData<string, bool> Modes() => new() { { "flatten-empty", false }, { "flatten-onto-base", false }, { "overlay", true } };

    private async Task<Exception?> Apply(MemoryStream layer, string mode, LayerApplyOptions? options = null)
    {
        if (mode == "flatten-onto-base")
        {
            var b = new TarBuilder().Dir("etc/").File("etc/passwd", "root:x:0:0\n").Dir("lower/").File("lower/f", "lower").Build();
            await LayerApplier.ApplyAsync(b, _target);
        }
        var opts = options ?? new LayerApplyOptions();
        if (mode == "overlay") opts = new LayerApplyOptions { Whiteouts = WhiteoutFormat.Overlay, Devices = opts.Devices };
        var before = TreeScanner.Scan(_tmp.Path, withMtime: true, exclude: p => p.StartsWith("target", StringComparison.Ordinal));
        Exception? error = null;
        try { await LayerApplier.ApplyAsync(layer, _target, opts); }
        catch (Exception ex) { error = ex; }
        var after = TreeScanner.Scan(_tmp.Path, withMtime: true, exclude: p => p.StartsWith("target", StringComparison.Ordinal));
        Assert.Equal(before, after); // nothing outside the target changed, no staging left behind
        Assert.Equal("do not touch\n", File.ReadAllText(_sentinel));
        if (error != null) Assert.IsType<LayerApplyException>(error, exactMatch: false);
        return error;
    }

    [Theory, MemberData(nameof(Modes))]
    public async Task DotDotNamesStayInside(string mode, bool _)
    {
        var err = await Apply(new TarBuilder().File("../outside/sentinel", "pwned").File("a/../../../outside/dir/inner", "pwned").Build(), mode);
        Assert.Null(err);
        Assert.Equal("pwned", File.ReadAllText(Path.Combine(_target, "outside", "sentinel")));
        Assert.Equal("pwned", File.ReadAllText(Path.Combine(_target, "outside", "dir", "inner")));
    }

    [Theory, MemberData(nameof(Modes))]
    public async Task AbsoluteNamesStayInside(string mode, bool _)
    {
        var err = await Apply(new TarBuilder().File(_sentinel, "pwned").Build(), mode);
        Assert.Null(err);
        Assert.Equal("pwned", File.ReadAllText(_target + _sentinel));
    }

    [Theory, MemberData(nameof(Modes))]
    public async Task SymlinkThenWriteCannotEscape(string mode, bool _)
    {
        var err = await Apply(new TarBuilder().Symlink("esc", _outside).File("esc/sentinel", "pwned").Build(), mode);
        Assert.NotNull(err);
        Assert.Contains("esc/sentinel", err.Message);
    }

    [Theory, MemberData(nameof(Modes))]
    public async Task RelativeSymlinkClimbingOutCannotEscape(string mode, bool _)
    {
        await Apply(new TarBuilder().Symlink("esc", "../../../../../../../" + _outside.TrimStart('/')).File("esc/sentinel", "pwned").Build(), mode);
    }

    [Theory, MemberData(nameof(Modes))]
    public async Task SymlinkToRootThenNestedEntryLandsInRoot(string mode, bool _)
    {
        string name = "kist-hostile-" + Guid.NewGuid().ToString("N");
        var err = await Apply(new TarBuilder().Symlink("rootlink", "/").File($"rootlink/tmp/{name}", "pwned").Build(), mode);
        Assert.Null(err);
        Assert.False(File.Exists("/tmp/" + name));
        Assert.Equal("pwned", File.ReadAllText(Path.Combine(_target, "tmp", name)));
    }

    [Theory, MemberData(nameof(Modes))]
    public async Task HardlinkToHostFileIsRefused(string mode, bool _)
    {
        var err = await Apply(new TarBuilder().Hardlink("hl", _sentinel).Build(), mode);
        Assert.NotNull(err);
        Assert.Contains("\"hl\"", err.Message);
        Assert.Equal(1u, Kist.Layers.Native.FileStat.Lstat(Kist.Layers.Native.Libc.AT_FDCWD, _sentinel).Nlink);
    }

    [Theory, MemberData(nameof(Modes))]
    public async Task HardlinkWithDotDotIsRefused(string mode, bool _)
    {
        var err = await Apply(new TarBuilder().Hardlink("hl", "../../../../../../.." + _sentinel).Build(), mode);
        Assert.NotNull(err);
    }

    [Theory, MemberData(nameof(Modes))]
    public async Task HardlinkThroughSymlinkToOutsideIsRefused(string mode, bool _)
    {
        var err = await Apply(new TarBuilder().Symlink("esc", _outside).Hardlink("hl", "esc/sentinel").Build(), mode);
        Assert.NotNull(err);
    }

    [Theory, MemberData(nameof(Modes))]
    public async Task WhiteoutNamingDotDotIsRefused(string mode, bool _)
    {
        Assert.NotNull(await Apply(new TarBuilder().File(".wh..", "").Build(), mode));
        Assert.NotNull(await Apply(new TarBuilder().File("a/.wh...", "").Build(), mode));
        Assert.NotNull(await Apply(new TarBuilder().File(".wh.", "").Build(), mode));
    }

    [Theory, MemberData(nameof(Modes))]
    public async Task WhiteoutThroughSymlinkDeletesNothingOutside(string mode, bool _)
    {
        await Apply(new TarBuilder().Symlink("esc", _outside).File("esc/.wh.sentinel", "").File("esc/.wh..wh..opq", "").Build(), mode);
    }

    [Theory, MemberData(nameof(Modes))]
    public async Task DevicesAreRefusedWhereNotAllowed(string mode, bool _)
    {
        var err = await Apply(new TarBuilder().Device("sda", TarEntryKind.BlockDevice, 8, 0).Build(), mode,
            new LayerApplyOptions { Devices = DeviceNodePolicy.Reject });
        Assert.NotNull(err);
        Assert.Contains("sda", err.Message);
        Assert.False(File.Exists(Path.Combine(_target, "sda")));
    }

    [Fact]
    public async Task DeviceThenFileReplacesTheNodeInsteadOfWritingThroughIt()
    {
        await Apply(new TarBuilder().Device("null", TarEntryKind.CharDevice, 1, 3).Fifo("fifo").Build(), "flatten-empty");
        var err = await Apply(new TarBuilder().File("null", "data").File("fifo", "data").Build(), "flatten-onto-base");
        Assert.Null(err);
        Assert.Equal("data", File.ReadAllText(Path.Combine(_target, "null")));
        Assert.True(Kist.Layers.Native.FileStat.Lstat(Kist.Layers.Native.Libc.AT_FDCWD, Path.Combine(_target, "fifo")).IsRegular);
    }

    [Fact]
    public async Task LowerLayerSymlinkIsNotFollowedByTheNextLayer()
    {
        await Apply(new TarBuilder().Symlink("lnk", _outside).Symlink("rel", "../../outside").Build(), "flatten-empty");
        var err = await Apply(new TarBuilder().File("lnk/sentinel", "pwned").File("rel/sentinel", "pwned").File("lnk/.wh.dir", "").Build(), "flatten-onto-base");
        Assert.Null(err);
        Assert.True(Directory.Exists(Path.Combine(_target, "lnk")) && !new FileInfo(Path.Combine(_target, "lnk")).Attributes.HasFlag(FileAttributes.ReparsePoint));
        Assert.Equal("pwned", File.ReadAllText(Path.Combine(_target, "lnk", "sentinel")));
    }

    [Fact]
    public async Task HardlinkToLowerLayerSymlinkedPathIsRefused()
    {
        await Apply(new TarBuilder().Symlink("lnk", _outside).Build(), "flatten-empty");
        Assert.NotNull(await Apply(new TarBuilder().Hardlink("hl", "lnk/sentinel").Build(), "flatten-onto-base"));
    }

    [Theory, MemberData(nameof(Modes))]
    public async Task SymlinkLoopsFail(string mode, bool _)
    {
        var err = await Apply(new TarBuilder().Symlink("a", "b").Symlink("b", "a").File("a/x", "x").Build(), mode);
        Assert.NotNull(err);
    }

    [Theory, MemberData(nameof(Modes))]
    public async Task FileNamedRootIsRefused(string mode, bool _)
    {
        Assert.NotNull(await Apply(new TarBuilder().File("./", "x").Build(), mode));
        Assert.NotNull(await Apply(new TarBuilder().File("a/..", "x").Build(), mode));
    }

    [Fact]
    public async Task FailedLayerOnEmptyTargetLeavesItEmpty()
    {
        var err = await Apply(new TarBuilder().File("ok1", "1").Dir("d/").File("d/ok2", "2").Hardlink("bad", _sentinel).Build(), "flatten-empty");
        Assert.NotNull(err);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_target));
    }

    [Fact]
    public async Task FailedLayerOnBaseLeavesBaseUnchanged()
    {
        await Apply(new TarBuilder().Dir("etc/").File("etc/passwd", "root\n").Build(), "flatten-empty");
        var before = TreeScanner.Scan(_target, withMtime: true);
        var err = await Apply(new TarBuilder().File(".wh.etc", "").File("new", "n").Hardlink("bad", "/nonexistent").Build(), "flatten-empty");
        Assert.NotNull(err);
        Assert.Equal(before, TreeScanner.Scan(_target, withMtime: true));
    }

    [Fact]
    public async Task OverlayXattrsFromTheTarAreIgnored()
    {
        var x = new SortedDictionary<string, byte[]>(StringComparer.Ordinal) { ["trusted.overlay.redirect"] = "/etc"u8.ToArray() };
        var err = await Apply(new TarBuilder().File("f", "x", xattrs: x).Build(), "overlay");
        Assert.Null(err);
        Assert.Null(Kist.Layers.Native.Xattrs.Get(Path.Combine(_target, "f"), "trusted.overlay.redirect"));
    }

    [Fact]
    public async Task XattrsAreAppliedIncludingBinaryCapabilities()
    {
        var cap = Convert.FromHexString("0100000200200000000000000000000000000000");
        var x = new SortedDictionary<string, byte[]>(StringComparer.Ordinal) { ["security.capability"] = cap, ["user.k"] = "v"u8.ToArray() };
        var link = new TarEntry { Name = "lnk", Kind = TarEntryKind.Symlink, LinkName = "f", Mode = 0x1FF, Xattrs = new(StringComparer.Ordinal) { ["user.k"] = "v"u8.ToArray() } };
        var err = await Apply(new TarBuilder().File("f", "x", xattrs: x).Add(link).Build(), "flatten-empty");
        Assert.Null(err);
        Assert.Equal(cap, Kist.Layers.Native.Xattrs.Get(Path.Combine(_target, "f"), "security.capability"));
        Assert.Equal("v"u8.ToArray(), Kist.Layers.Native.Xattrs.Get(Path.Combine(_target, "f"), "user.k"));
    }
}
