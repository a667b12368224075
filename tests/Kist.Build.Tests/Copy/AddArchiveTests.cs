using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Kist.Build.Copy;

namespace Kist.Build.Tests.Copy;

public sealed class AddArchiveTests : IDisposable
{
    private readonly CopyFixture _f = new();

    public void Dispose() => _f.Dispose();

    private void WriteTar(string rel, bool withRootEntry = false)
    {
        var path = _f.Context[rel];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        using var tar = new TarWriter(file, TarEntryFormat.Pax);
        var mtime = new DateTimeOffset(2021, 2, 3, 4, 5, 6, TimeSpan.Zero);
        // `tar -C dir -cf a.tar .` starts with the directory itself, owned by whoever made it.
        if (withRootEntry) tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "./") { Mode = (UnixFileMode)Convert.ToInt32("755", 8), ModificationTime = mtime });
        tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "sub/") { Mode = (UnixFileMode)Convert.ToInt32("750", 8), ModificationTime = mtime });
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "sub/d.txt")
        {
            DataStream = new MemoryStream("D"u8.ToArray()), Mode = (UnixFileMode)Convert.ToInt32("600", 8), ModificationTime = mtime, Uid = 1234, Gid = 99,
        });
        tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "link") { LinkName = "sub/d.txt", ModificationTime = mtime });
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "../../escape.txt") { DataStream = new MemoryStream("E"u8.ToArray()) });
    }

    private static void Run(string tool, params string[] args)
    {
        using var p = Process.Start(tool, args);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    private void Compress(string rel, string kind)
    {
        var path = _f.Context[rel];
        switch (kind)
        {
            case "gzip":
                using (var input = File.OpenRead(path))
                using (var output = new GZipStream(File.Create(path + ".tmp"), CompressionLevel.Fastest))
                    input.CopyTo(output);
                File.Move(path + ".tmp", path, overwrite: true);
                break;
            case "zstd":
                using (var input = File.OpenRead(path))
                using (var file = File.Create(path + ".tmp"))
                using (var output = new ZstdSharp.CompressionStream(file))
                    input.CopyTo(output);
                File.Move(path + ".tmp", path, overwrite: true);
                break;
            case "bzip2":
                Run("bzip2", "-z", path);
                File.Move(path + ".bz2", path);
                break;
            case "xz":
                Run("xz", "-z", path);
                File.Move(path + ".xz", path);
                break;
        }
    }

    [Theory]
    [InlineData("none")]
    [InlineData("gzip")]
    [InlineData("bzip2")]
    [InlineData("xz")]
    [InlineData("zstd")]
    public async Task LocalArchivesAreExtractedWhateverTheirName(string compression)
    {
        WriteTar("t/archive.bin");
        Compress("t/archive.bin", compression);
        _f.Target.Dir("out");
        _f.Target.File("out/existing", "keep");
        await _f.CopyAsync(new CopyRequest { From = _f.Source(), Sources = ["t/archive.bin"], Destination = "/out", IsAdd = true });
        Assert.Equal("D", _f.Target.Read("out/sub/d.txt"));
        Assert.Equal("keep", _f.Target.Read("out/existing"));
        var st = _f.Target.Stat("out/sub/d.txt");
        Assert.Equal((1234u, 99u, 0x180u), (st.Uid, st.Gid, st.Permissions));
        Assert.Equal(0x1E8u, _f.Target.Stat("out/sub").Permissions);
        Assert.True(_f.Target.Stat("out/link").IsSymlink);
        Assert.Equal("E", _f.Target.Read("out/escape.txt"));
        Assert.False(_f.Target.Exists("escape.txt"));
    }

    [Fact]
    public async Task ArchivesExtractIntoANewDirectoryWithChownOnlyOnCreatedDirectories()
    {
        WriteTar("a.tar");
        await _f.CopyAsync(new CopyRequest { From = _f.Source(), Sources = ["a.tar"], Destination = "/o/x", IsAdd = true, Chown = "alice" });
        var dir = _f.Target.Stat("o/x");
        Assert.Equal((1001u, 1002u), (dir.Uid, dir.Gid));
        Assert.Equal(1234u, _f.Target.Stat("o/x/sub/d.txt").Uid);
    }

    [Fact]
    public async Task AnArchivesOwnRootEntryDoesNotUndoChownOfTheDirectoryItCreates()
    {
        WriteTar("a.tar", withRootEntry: true);
        await _f.CopyAsync(new CopyRequest { From = _f.Source(), Sources = ["a.tar"], Destination = "/o/x/", IsAdd = true, Chown = "alice" });
        Assert.Equal((1001u, 1002u), (_f.Target.Stat("o/x").Uid, _f.Target.Stat("o/x").Gid));
        Assert.Equal(1234u, _f.Target.Stat("o/x/sub/d.txt").Uid);
    }

    [Fact]
    public async Task CopyNeverExtractsAndNonArchivesAreCopied()
    {
        WriteTar("a.tar");
        _f.Context.File("notes.gz", "not really gzip");
        await _f.CopyAsync("/c/", "a.tar");
        Assert.True(_f.Target.Stat("c/a.tar").IsRegular);
        await _f.CopyAsync(new CopyRequest { From = _f.Source(), Sources = ["notes.gz"], Destination = "/n/", IsAdd = true });
        Assert.Equal("not really gzip", _f.Target.Read("n/notes.gz"));
    }
}
