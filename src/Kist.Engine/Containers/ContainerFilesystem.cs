using Kist.Oci;
using Kist.Runtime.Lifecycle;
using Kist.Runtime.State;
using Kist.Snapshots;

namespace Kist.Engine.Containers;

/// <summary>Where a container's read-write layer lives: an overlay upper dir over lower dirs, or a full copy over its parent.</summary>
public sealed record ReadWriteLayer(string Directory, IReadOnlyList<string> Lowers, bool IsOverlayUpper);

/// <summary>
/// A container's files for diff, commit, export and cp: its read-write layer, and its root filesystem mounted (the
/// running container's own mount, or a private mount of its snapshot removed afterwards).
/// </summary>
public sealed class ContainerFilesystem(ContainerRuntime runtime)
{
    /// <summary>
    /// The mount points the runtime creates in the read-write layer for docker's init layer (docker keeps them in a
    /// layer of their own, so that diff and commit never show them).
    /// </summary>
    public static readonly IReadOnlySet<string> RuntimeMountpoints = new HashSet<string>(StringComparer.Ordinal)
    {
        "etc/hostname", "etc/hosts", "etc/resolv.conf", "dev", "proc", "sys", ".dockerenv", "sbin/docker-init", "etc/mtab",
    };

    public static bool IsRuntimeMountpoint(string relative) =>
        RuntimeMountpoints.Contains(relative) || relative.StartsWith("dev/", StringComparison.Ordinal)
        || relative.StartsWith("proc/", StringComparison.Ordinal) || relative.StartsWith("sys/", StringComparison.Ordinal);

    /// <summary>The read-write layer; <paramref name="viewKey"/> names a temporary view of the parent for the copy snapshotter.</summary>
    public async Task<(ReadWriteLayer Layer, Func<Task> Release)> ReadWriteLayerAsync(ContainerRecord c, CancellationToken cancellationToken = default)
    {
        var mounts = await runtime.Snapshotter.MountsAsync(c.SnapshotKey, cancellationToken).ConfigureAwait(false);
        if (mounts is [{ Type: "overlay" } overlay])
        {
            string upper = overlay.Option("upperdir") ?? throw new KistException($"container {c.Id[..12]} has no read-write layer");
            var lowers = (overlay.Option("lowerdir") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
            return (new ReadWriteLayer(upper, lowers, true), () => Task.CompletedTask);
        }
        if (mounts is not [{ Type: "bind" } bind]) throw new KistException($"cannot read the read-write layer of container {c.Id[..12]}");
        if (runtime.Snapshotter.Name == "overlay") return (new ReadWriteLayer(bind.Source, [], true), () => Task.CompletedTask);
        // The copy snapshotter: the layer is a full tree, compared against a view of the image's.
        string key = "diff-" + c.Id[..12] + "-" + RandomHex.Create(4);
        var view = await runtime.Snapshotter.ViewAsync(key, c.ChainId, cancellationToken).ConfigureAwait(false);
        async Task Release() => await runtime.Snapshotter.RemoveAsync(key, CancellationToken.None).ConfigureAwait(false);
        if (view is not [{ Type: "bind" } parent])
        {
            await Release().ConfigureAwait(false);
            throw new KistException($"cannot read the image layers of container {c.Id[..12]}");
        }
        return (new ReadWriteLayer(bind.Source, [parent.Source], false), Release);
    }

    /// <summary>
    /// The container's root filesystem, mounted: the running container's own rootfs, else a private mount of its
    /// snapshot (read-only ones stack the read-write layer as one more lower layer, so nothing is written).
    /// </summary>
    public async Task<MountedRootfs> MountAsync(ContainerRecord c, bool writable, CancellationToken cancellationToken = default)
    {
        var state = await runtime.StateAsync(c, cancellationToken).ConfigureAwait(false);
        string own = runtime.Store.RootfsDirectory(c.Id);
        if (state.Running && IsMounted(own)) return new MountedRootfs(own, null);
        var mounts = await runtime.Snapshotter.MountsAsync(c.SnapshotKey, cancellationToken).ConfigureAwait(false);
        if (!writable)
        {
            mounts = mounts.Select(m => m.Type switch
            {
                "overlay" when m.Option("upperdir") is { } upper => new Mount("overlay", "overlay",
                    ["ro", "lowerdir=" + upper + ":" + m.Option("lowerdir")]),
                "bind" => m with { Options = [.. m.Options.Where(o => o is not ("rw" or "ro")), "ro"] },
                _ => m,
            }).ToList();
        }
        string target = Path.Combine(runtime.Store.Directory(c.Id), "mnt-" + RandomHex.Create(6));
        Directory.CreateDirectory(target);
        try
        {
            MountHelper.MountAll(mounts, target);
        }
        catch
        {
            Directory.Delete(target);
            throw;
        }
        return new MountedRootfs(target, target);
    }

    private static bool IsMounted(string path)
    {
        string full = Path.GetFullPath(path);
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            if (fields.Length > 4 && fields[4].Replace("\\040", " ") == full) return true;
        }
        return false;
    }
}

/// <summary>A mounted root filesystem; disposing unmounts it when it was mounted for this use only.</summary>
public sealed class MountedRootfs(string path, string? ownMount) : IDisposable
{
    public string Path { get; } = path;

    public void Dispose()
    {
        if (ownMount is null) return;
        MountHelper.Unmount(ownMount);
        try { Directory.Delete(ownMount); }
        catch (IOException) { }
    }
}
