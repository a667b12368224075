using Kist.Layers.Native;

namespace Kist.Build.Copy;

/// <summary>A source path found in the source tree: as matched (cleaned, relative) and after following symlinks.</summary>
internal sealed record SourceMatch(string Logical, string Phys, FileStat Stat);
