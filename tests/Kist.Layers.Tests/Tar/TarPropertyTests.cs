using System.Formats.Tar;
using System.Text;
using Kist.Layers.Apply;
using Kist.Layers.Tar;
using Kist.Layers.Tests.Support;
using Kist.Oci;

namespace Kist.Layers.Tests.Tar;

/// <summary>
/// Property tests over generated archives: Kist's tar reader and writer agree with System.Formats.Tar on every
/// generated archive, and applying generated (and corrupted) hostile archives never touches anything outside the
/// target and never fails with anything but a clear layer error.
/// </summary>
public sealed class TarPropertyTests
{
    private static readonly string[] Parts = ["a", "b", "etc", "..", ".", "ü", "名前", "x y", new string('l', 120), ".wh.a", ".wh..wh..opq", "lnk"];

    private static string RandomName(Random r)
    {
        int depth = r.Next(1, 4);
        var parts = Enumerable.Range(0, depth).Select(_ => Parts[r.Next(Parts.Length)]);
        return (r.Next(6) == 0 ? "/" : r.Next(6) == 0 ? "./" : "") + string.Join('/', parts);
    }

    [Fact]
    public void KistReaderAgreesWithSystemFormatsTar()
    {
        for (int seed = 0; seed < 150; seed++)
        {
            var r = new Random(seed);
            var format = (TarEntryFormat)r.Next(2, 5); // Ustar, Pax, Gnu
            var ms = new MemoryStream();
            var expected = new List<(string Name, TarEntryType Type, string Link, int Uid, long Size, byte[] Data, int Mode)>();
            using (var w = new TarWriter(ms, format, leaveOpen: true))
            {
                int count = r.Next(1, 12);
                for (int i = 0; i < count; i++)
                {
                    string name = $"e{i}/" + (format == TarEntryFormat.Ustar ? "n" + r.Next(1000) : RandomName(r).Replace("..", "dd"));
                    var type = new[] { TarEntryType.RegularFile, TarEntryType.Directory, TarEntryType.SymbolicLink, TarEntryType.HardLink }[r.Next(4)];
                    if (format != TarEntryFormat.Ustar && type == TarEntryType.RegularFile && r.Next(2) == 0) type = TarEntryType.RegularFile;
                    System.Formats.Tar.TarEntry e = format switch
                    {
                        TarEntryFormat.Pax => new PaxTarEntry(type, name),
                        TarEntryFormat.Gnu => new GnuTarEntry(type, name),
                        _ => new UstarTarEntry(type, name),
                    };
                    e.Uid = format == TarEntryFormat.Ustar ? r.Next(0, 2097151) : r.Next(0, 5_000_000);
                    e.Mode = (UnixFileMode)r.Next(0, 4096);
                    e.ModificationTime = DateTimeOffset.FromUnixTimeSeconds(r.Next(0, int.MaxValue));
                    byte[] data = [];
                    if (type is TarEntryType.SymbolicLink or TarEntryType.HardLink) e.LinkName = format == TarEntryFormat.Ustar ? "t" + r.Next(100) : RandomName(r);
                    if (type == TarEntryType.RegularFile)
                    {
                        data = new byte[r.Next(0, 3000)];
                        r.NextBytes(data);
                        e.DataStream = new MemoryStream(data);
                    }
                    w.WriteEntry(e);
                    expected.Add((name, type, e.LinkName, e.Uid, data.Length, data, (int)e.Mode));
                }
            }
            ms.Position = 0;
            var reader = new TarStreamReader(ms);
            foreach (var x in expected)
            {
                var got = reader.Next();
                Assert.NotNull(got);
                string expectedName = x.Type == TarEntryType.Directory && !x.Name.EndsWith('/') ? x.Name : x.Name;
                Assert.Equal(expectedName.TrimEnd('/'), got.Name.TrimEnd('/'));
                Assert.Equal(x.Type switch
                {
                    TarEntryType.Directory => TarEntryKind.Directory,
                    TarEntryType.SymbolicLink => TarEntryKind.Symlink,
                    TarEntryType.HardLink => TarEntryKind.Hardlink,
                    _ => TarEntryKind.Regular,
                }, got.Kind);
                Assert.Equal(x.Uid, got.Uid);
                Assert.Equal((uint)x.Mode, got.Mode);
                if (x.Type is TarEntryType.SymbolicLink or TarEntryType.HardLink) Assert.Equal(x.Link, got.LinkName);
                if (x.Type == TarEntryType.RegularFile)
                {
                    var buf = new byte[x.Size + 10];
                    int total = 0, n;
                    while ((n = reader.Read(buf.AsSpan(total))) > 0) total += n;
                    Assert.Equal(x.Data, buf[..total]);
                }
            }
            Assert.Null(reader.Next());
        }
    }

    [Fact]
    public void SystemFormatsTarReadsWhatKistWrites()
    {
        for (int seed = 0; seed < 150; seed++)
        {
            var r = new Random(seed);
            var b = new TarBuilder();
            var expected = new List<(string Name, long Uid, string Content, long Mtime)>();
            for (int i = 0; i < r.Next(1, 10); i++)
            {
                string name = $"e{i}/" + RandomName(r).Replace("..", "dd").TrimStart('/').Replace("./", "d/");
                string content = new string('c', r.Next(0, 2000));
                long uid = r.Next(0, 2) == 0 ? r.Next(0, 100) : r.Next(2_097_152, int.MaxValue);
                long mtime = r.Next(0, int.MaxValue);
                b.File(name, content, uid: uid, mtime: mtime);
                expected.Add((name, uid, content, mtime));
            }
            using var reader = new System.Formats.Tar.TarReader(b.Build());
            foreach (var x in expected)
            {
                var e = reader.GetNextEntry();
                Assert.NotNull(e);
                Assert.Equal(x.Name, e.Name);
                Assert.Equal(x.Uid, e.Uid);
                Assert.Equal(x.Mtime, e.ModificationTime.ToUnixTimeSeconds());
                Assert.Equal(x.Content, e.DataStream is null ? "" : new StreamReader(e.DataStream).ReadToEnd());
            }
            Assert.Null(reader.GetNextEntry());
        }
    }

    [Fact]
    public async Task GeneratedAndCorruptedHostileArchivesNeverEscape()
    {
        using var tmp = new TempDir("fuzz");
        var outside = tmp.Sub("outside");
        File.WriteAllText(Path.Combine(outside, "sentinel"), "s");
        string[] targets = ["/", "..", "../..", "../outside", outside, Path.Combine(outside, "sentinel"), "a", "/etc", "lnk/..", "."];
        var snapshot = TreeScanner.Scan(outside, withMtime: true);
        int ok = 0, refused = 0;
        for (int seed = 0; seed < 250; seed++)
        {
            var r = new Random(seed);
            var b = new TarBuilder();
            for (int i = 0; i < r.Next(1, 14); i++)
            {
                string name = RandomName(r);
                switch (r.Next(6))
                {
                    case 0: b.Dir(name); break;
                    case 1: b.Symlink(name, targets[r.Next(targets.Length)]); break;
                    case 2: b.Hardlink(name, r.Next(2) == 0 ? targets[r.Next(targets.Length)] : RandomName(r)); break;
                    case 3: b.Fifo(name); break;
                    default: b.File(name, "pwn" + i); break;
                }
            }
            var bytes = b.Build().ToArray();
            if (r.Next(3) == 0)
            {
                // Corrupt: flip bytes, or truncate.
                if (r.Next(2) == 0) for (int k = 0; k < 4; k++) bytes[r.Next(bytes.Length)] ^= (byte)r.Next(1, 256);
                else bytes = bytes[..r.Next(bytes.Length)];
            }
            var target = Path.Combine(tmp.Path, "t" + seed);
            var options = new LayerApplyOptions { Whiteouts = r.Next(2) == 0 ? WhiteoutFormat.Flatten : WhiteoutFormat.Overlay };
            try
            {
                await LayerApplier.ApplyAsync(new MemoryStream(bytes), target, options);
                ok++;
            }
            catch (InvalidInputException) { refused++; }
            Assert.Equal(snapshot, TreeScanner.Scan(outside, withMtime: true));
            Assert.Equal(Enumerable.Range(0, seed + 1).Select(i => "t" + i).Append("outside").Order(StringComparer.Ordinal),
                Directory.GetFileSystemEntries(tmp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Kist.Layers.Native.Dirs.RemoveTree(target);
            Directory.CreateDirectory(target);
        }
        Assert.True(ok > 20 && refused > 20, $"ok={ok} refused={refused}");
    }
}
