using Kist.Layers.Native;

namespace Kist.Build.Copy;

/// <summary>One file, directory, symlink or special file to write, relative to its item's destination.</summary>
internal sealed class CopyEntry
{
    /// <summary>'/'-separated path below the item's destination; "" is the item's root.</summary>
    public required string Rel { get; init; }
    /// <summary>Symlink-free path below the source root.</summary>
    public required string SourcePhys { get; init; }
    public required FileStat Stat { get; init; }
    public string? LinkTarget { get; init; }
    /// <summary>Hex sha256 of a regular file's content.</summary>
    public string? ContentHash { get; set; }
    /// <summary>The Rel of an earlier entry of the same item that is the same inode.</summary>
    public string? HardlinkOf { get; init; }
}

/// <summary>One matched source: a directory whose contents are copied, a file, or (ADD) an archive to extract.</summary>
internal sealed class CopyItem
{
    /// <summary>The absolute root that <see cref="CopyEntry.SourcePhys"/> is below.</summary>
    public required string SourceRoot { get; init; }
    /// <summary>The name a file gets inside a directory destination.</summary>
    public required string Name { get; init; }
    public required bool IsDirectory { get; init; }
    public bool Extract { get; init; }
    /// <summary>--parents: the source's directory path below the destination.</summary>
    public string? ParentsPath { get; init; }
    public required List<CopyEntry> Entries { get; init; }
}
