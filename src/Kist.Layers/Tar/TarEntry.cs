namespace Kist.Layers.Tar;

public enum TarEntryKind { Regular, Directory, Symlink, Hardlink, CharDevice, BlockDevice, Fifo }

/// <summary>One member of a layer tar, with every PAX/GNU extension already folded in.</summary>
public sealed class TarEntry
{
    public required string Name { get; set; }
    public required TarEntryKind Kind { get; set; }
    public string LinkName { get; set; } = "";
    /// <summary>Permission bits including setuid, setgid and sticky (07777).</summary>
    public uint Mode { get; set; }
    public long Uid { get; set; }
    public long Gid { get; set; }
    public long Size { get; set; }
    public long MtimeSeconds { get; set; }
    public uint MtimeNanoseconds { get; set; }
    public uint DevMajor { get; set; }
    public uint DevMinor { get; set; }
    public string UserName { get; set; } = "";
    public string GroupName { get; set; } = "";
    /// <summary>Extended attributes, raw bytes (from <c>SCHILY.xattr.*</c> or <c>LIBARCHIVE.xattr.*</c>).</summary>
    public SortedDictionary<string, byte[]>? Xattrs { get; set; }

    public override string ToString() => Name;
}
