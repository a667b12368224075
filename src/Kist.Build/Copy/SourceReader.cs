using Kist.Dockerfile.Ignore;
using Kist.Layers.Apply;
using Kist.Layers.Native;
using Kist.Oci;

namespace Kist.Build.Copy;

/// <summary>
/// Finds sources in a <see cref="CopySourceTree"/> (plain paths and Go wildcards, symlinks followed inside the tree,
/// the tree's filter applied) and lists what a matched source copies. Never reads outside the tree.
/// </summary>
internal sealed class SourceReader(CopySourceTree source) : IDisposable
{
    private readonly RootedTree _tree = new(Path.GetFullPath(source.Root));

    public RootedTree Tree => _tree;

    private bool Included(string phys) => phys.Length == 0 || source.IsIncluded is null || source.IsIncluded(phys);

    /// <summary>The paths a source names: one for a plain path (missing = not found), any number for a wildcard.</summary>
    public List<SourceMatch> Match(string pattern)
    {
        var clean = GoPath.Clean("/" + pattern).TrimStart('/');
        if (!GoGlob.HasWildcards(clean))
        {
            var found = Follow(clean);
            if (found is null || !(Included(found.Phys) || MayHoldIncluded(found)))
                throw new NotFoundException($"failed to compute cache key: \"/{clean}\" not found: not found");
            return [found];
        }
        var comps = clean.Split('/');
        int fixedCount = 0;
        while (fixedCount < comps.Length && !GoGlob.HasWildcards(comps[fixedCount])) fixedCount++;
        var prefix = string.Join('/', comps, 0, fixedCount);
        var matches = new List<SourceMatch>();
        var start = prefix.Length == 0 ? new SourceMatch("", "", FileStat.Lstat(_tree.RootFd, ".")) : Follow(prefix);
        if (start is { Stat.IsDirectory: true }) Glob(start.Logical, start.Phys, comps, fixedCount, matches);
        return matches;
    }

    private bool MayHoldIncluded(SourceMatch m) => m.Stat.IsDirectory && source.ExcludedDirectoriesMayHoldIncluded;

    private SourceMatch? Follow(string logical)
    {
        var r = RootedPaths.Resolve(_tree, logical, followFinal: true);
        if (r is not { Stat: { } st } res) return null;
        return new SourceMatch(logical, RootedPaths.Join(res.Dir, res.Name), st);
    }

    // filepath.Walk below the fixed prefix: intermediate symlinks are not descended, a final match is followed.
    private void Glob(string logical, string phys, string[] comps, int index, List<SourceMatch> matches)
    {
        var fd = _tree.OpenPhysicalDir(phys);
        if (fd is null) return;
        try
        {
            var names = Dirs.List(fd.Value);
            names.Sort(StringComparer.Ordinal);
            bool last = index == comps.Length - 1;
            foreach (var name in names)
            {
                if (!GoGlob.Match(comps[index], name)) continue;
                var childLogical = logical.Length == 0 ? name : logical + "/" + name;
                var childPhys = phys.Length == 0 ? name : phys + "/" + name;
                var st = FileStat.TryLstat(fd.Value, name);
                if (st is null) continue;
                if (!last)
                {
                    if (st.Value.IsDirectory) Glob(childLogical, childPhys, comps, index + 1, matches);
                    continue;
                }
                var m = st.Value.IsSymlink ? Follow(childLogical) : new SourceMatch(childLogical, childPhys, st.Value);
                if (m is not null && (Included(m.Phys) || MayHoldIncluded(m))) matches.Add(m);
            }
        }
        finally { Libc.Close(fd.Value); }
    }

    /// <summary>What a matched source copies: a file is one entry ("" = the item itself); a directory its contents.</summary>
    public List<CopyEntry> List(SourceMatch match, IgnoreMatcher? excludes)
    {
        var entries = new List<CopyEntry>();
        if (!match.Stat.IsDirectory)
        {
            entries.Add(new CopyEntry { Rel = "", SourcePhys = match.Phys, Stat = match.Stat });
            return entries;
        }
        entries.Add(new CopyEntry { Rel = "", SourcePhys = match.Phys, Stat = match.Stat });
        var fd = _tree.OpenPhysicalDir(match.Phys) ?? throw new NotFoundException($"\"/{match.Logical}\" not found: not found");
        try { Walk(fd, match.Phys, "", entries, excludes, new Dictionary<(ulong, ulong), string>()); }
        finally { Libc.Close(fd); }
        return entries;
    }

    private void Walk(int dirFd, string phys, string rel, List<CopyEntry> output, IgnoreMatcher? excludes,
        Dictionary<(ulong, ulong), string> inodes)
    {
        var names = Dirs.List(dirFd);
        names.Sort(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var childRel = rel.Length == 0 ? name : rel + "/" + name;
            var childPhys = phys.Length == 0 ? name : phys + "/" + name;
            if (excludes is not null && excludes.IsExcluded(childRel)) continue;
            if (FileStat.TryLstat(dirFd, name) is not { } st || st.Type == Libc.S_IFSOCK) continue;
            bool included = Included(childPhys);
            if (st.IsDirectory)
            {
                if (!included && !source.ExcludedDirectoriesMayHoldIncluded) continue;
                int mark = output.Count;
                output.Add(new CopyEntry { Rel = childRel, SourcePhys = childPhys, Stat = st });
                int fd = Dirs.OpenDirNoFollow(dirFd, name);
                try { Walk(fd, childPhys, childRel, output, excludes, inodes); }
                finally { Libc.Close(fd); }
                if (!included && output.Count == mark + 1) output.RemoveAt(mark);
                continue;
            }
            if (!included) continue;
            string? hardlinkOf = null;
            if (st.IsRegular && st.Nlink > 1 && !inodes.TryAdd(st.Identity, childRel)) hardlinkOf = inodes[st.Identity];
            output.Add(new CopyEntry
            {
                Rel = childRel, SourcePhys = childPhys, Stat = st, HardlinkOf = hardlinkOf,
                LinkTarget = st.IsSymlink ? RootedTree.ReadLink(dirFd, name) : null,
            });
        }
    }

    public void Dispose() => _tree.Dispose();
}
