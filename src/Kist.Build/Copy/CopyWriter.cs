using Kist.Build.Copy.Archives;
using Kist.Layers.Apply;
using Kist.Layers.Native;

namespace Kist.Build.Copy;

/// <summary>
/// Applies a plan's items to a target rootfs. Every destination is resolved inside the target (symlinks in it,
/// absolute ones included, lead back inside), directories the copy creates get --chown's ids, and the items are
/// written by <see cref="TreeWriter"/>.
/// </summary>
internal static class CopyWriter
{
    public static async Task ApplyAsync(string targetRoot, CopyRequest request, CopyDestination dest, uint? chmod,
        IReadOnlyList<CopyItem> items, CancellationToken cancellationToken)
    {
        using var target = new RootedTree(Path.GetFullPath(targetRoot));
        (int Uid, int Gid)? chown = request.Chown is null ? null : CopyOwner.Resolve(request.Chown, target);
        var ownership = new Ownership(chown, request.From.KeepOwnership);
        var created = new HashSet<string>(StringComparer.Ordinal);
        void OnCreated(string phys)
        {
            created.Add(phys);
            if (chown is { } ids && Libc.IsRoot && Libc.FchownAt(target.RootFd, phys, ids.Uid, ids.Gid, Libc.AT_SYMLINK_NOFOLLOW) != 0)
                throw new NativeException("chown", phys, Libc.Errno);
        }
        var destComps = RootedTree.Clean(dest.Path);
        foreach (var item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (item.Extract || item.IsDirectory)
            {
                var dirComps = item.ParentsPath is { } pp ? [.. destComps, .. RootedTree.Clean(pp)] : destComps;
                var (fd, phys) = target.ResolveDir(dirComps, dirComps.Count, create: true, OnCreated);
                if (item.Extract)
                {
                    await ExtractAsync(item, Path.Combine(target.RootPath, phys), cancellationToken).ConfigureAwait(false);
                    // The archive's "./" entry would give a directory this ADD created its own owner; BuildKit keeps --chown's.
                    if (created.Contains(phys)) OnCreated(phys);
                }
                else
                {
                    using var writer = new TreeWriter(target, item.SourceRoot, ownership, chmod);
                    writer.Write(Libc.Dup(fd), phys, item.Entries.Where(e => e.Rel.Length > 0).Select(e => (e.Rel, e)), cancellationToken);
                }
                target.Invalidate();
                continue;
            }
            var (dir, name) = PlaceFile(target, dest, destComps, item);
            var (dirFd, dirPhys) = target.ResolveDir(dir, dir.Count, create: true, OnCreated);
            using (var writer = new TreeWriter(target, item.SourceRoot, ownership, chmod))
                writer.Write(Libc.Dup(dirFd), dirPhys, [(name, item.Entries[0])], cancellationToken);
            target.Invalidate();
        }
    }

    // fsutil's prepareTargetDir: into a directory (written with '/', or existing), else at the destination path itself.
    private static (List<string> Dir, string Name) PlaceFile(RootedTree target, CopyDestination dest, List<string> destComps, CopyItem item)
    {
        if (item.ParentsPath is { } pp)
        {
            List<string> full = [.. destComps, .. RootedTree.Clean(pp)];
            return (full[..^1], full[^1]);
        }
        if (dest.IsDirectory || destComps.Count == 0) return (destComps, item.Name);
        var resolved = RootedPaths.Resolve(target, dest.Path, followFinal: true);
        if (resolved is { } r && r.Name.Length > 0)
        {
            if (r.Stat is { IsDirectory: true }) return ([.. r.Dir, r.Name], item.Name);
            return (r.Dir, r.Name);
        }
        return (destComps[..^1], destComps[^1]);
    }

    private static async Task ExtractAsync(CopyItem item, string directory, CancellationToken cancellationToken)
    {
        using var source = new RootedTree(item.SourceRoot);
        var handle = ContentHasher.OpenRead(source, item.Entries[0].SourcePhys);
        var (_, content) = await ArchiveDecompressor.OpenAsync(new FileStream(handle, FileAccess.Read, 1 << 16), cancellationToken).ConfigureAwait(false);
        await using (content.ConfigureAwait(false))
        {
            var options = new LayerApplyOptions { PreserveOwnership = Libc.IsRoot, Devices = DeviceNodePolicy.Create };
            await LayerApplier.ApplyAsync(content, directory, options, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>The ids a copied entry gets: --chown's, else the source's for --from copies, else 0:0.</summary>
internal sealed record Ownership((int Uid, int Gid)? Chown, bool KeepSource)
{
    public (int Uid, int Gid) For(FileStat st) => Chown ?? (KeepSource ? ((int)st.Uid, (int)st.Gid) : (0, 0));
}
