using System.Text;
using Kist.Layers.Tar;

namespace Kist.Layers.Tests.Support;

/// <summary>Builds layer tars in memory for tests (names are written verbatim, hostile ones included).</summary>
public sealed class TarBuilder
{
    private readonly MemoryStream _ms = new();
    private readonly TarStreamWriter _w;

    public TarBuilder() => _w = new TarStreamWriter(_ms);

    public TarBuilder File(string name, string content = "x", uint mode = 0x1A4, long uid = 0, long gid = 0,
        SortedDictionary<string, byte[]>? xattrs = null, long mtime = 1600000000)
    {
        var data = Encoding.UTF8.GetBytes(content);
        _w.WriteHeader(new TarEntry { Name = name, Kind = TarEntryKind.Regular, Mode = mode, Size = data.Length, Uid = uid, Gid = gid, Xattrs = xattrs, MtimeSeconds = mtime });
        _w.WriteData(data);
        return this;
    }

    public TarBuilder Dir(string name, uint mode = 0x1ED, long uid = 0, long gid = 0) =>
        Add(new TarEntry { Name = name, Kind = TarEntryKind.Directory, Mode = mode, Uid = uid, Gid = gid, MtimeSeconds = 1600000000 });

    public TarBuilder Symlink(string name, string target) =>
        Add(new TarEntry { Name = name, Kind = TarEntryKind.Symlink, LinkName = target, Mode = 0x1FF, MtimeSeconds = 1600000000 });

    public TarBuilder Hardlink(string name, string target) =>
        Add(new TarEntry { Name = name, Kind = TarEntryKind.Hardlink, LinkName = target, Mode = 0x1A4, MtimeSeconds = 1600000000 });

    public TarBuilder Device(string name, TarEntryKind kind, uint major, uint minor) =>
        Add(new TarEntry { Name = name, Kind = kind, DevMajor = major, DevMinor = minor, Mode = 0x1B6, MtimeSeconds = 1600000000 });

    public TarBuilder Fifo(string name) => Add(new TarEntry { Name = name, Kind = TarEntryKind.Fifo, Mode = 0x1A4, MtimeSeconds = 1600000000 });

    public TarBuilder Add(TarEntry e)
    {
        _w.WriteHeader(e);
        return this;
    }

    public MemoryStream Build()
    {
        _w.Finish();
        return new MemoryStream(_ms.ToArray());
    }
}
