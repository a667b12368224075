using System.IO.Pipelines;
using Kist.Layers.Apply;
using Kist.Layers.Compression;
using Kist.Layers.Native;
using Kist.Layers.Tar;
using Kist.Oci;
using Kist.Runtime.State;

namespace Kist.Engine.Containers;

/// <summary>
/// docker cp both ways, running or stopped: paths inside the container are resolved within its rootfs (symlinks
/// included), local destinations are written as a rooted tree too, and <c>-</c> is a tar stream on stdin or stdout.
/// Without <c>archive</c>, copies into a container are owned by root and copies out by the caller, as docker does.
/// </summary>
public sealed class ContainerCopier(ContainerFilesystem files)
{
    private const int MaxLinks = 40;

    public async Task FromContainerAsync(ContainerRecord c, string source, string destination, bool archive, bool followLink,
        Func<Stream> stdout, CancellationToken cancellationToken = default)
    {
        var (mount, inMount) = ThroughMount(c, source);
        using var rootfs = mount is null ? await files.MountAsync(c, writable: false, cancellationToken).ConfigureAwait(false) : null;
        using var tree = new RootedTree(mount?.Source ?? rootfs!.Path);
        var (parent, name, isDirectory) = ResolveSource(tree, inMount, followLink, source);
        var src = CopyPaths.Source(source, isDirectory);
        if (destination == "-")
        {
            await using var output = stdout();
            await Task.Run(() => Archive(output, parent, name, src.ContentsOnly ? "" : src.BaseName, null, null), cancellationToken).ConfigureAwait(false);
            return;
        }
        string full = Path.GetFullPath(destination);
        var st = Directory.Exists(full) ? new CopyDestination(true, true) : new CopyDestination(File.Exists(full) || FileStat.TryLstat(Libc.AT_FDCWD, full) is not null, false);
        var plan = CopyPaths.Plan(src, destination, st);
        string baseDir = plan.IntoDestination ? full : Path.GetDirectoryName(full) ?? "/";
        string entryName = plan.IntoDestination ? plan.Name ?? "" : Path.GetFileName(full);
        if (!Directory.Exists(baseDir)) throw new InvalidInputException($"no such directory: {baseDir}");
        long? uid = archive ? null : Libc.Geteuid(), gid = archive ? null : Getegid();
        using var target = new RootedTree(baseDir);
        await PipeAsync(output => Archive(output, parent, name, entryName, null, null),
            input => new TreeExtractor(target, [], uid, gid).Extract(new TarStreamReader(input), cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    public async Task ToContainerAsync(ContainerRecord c, string source, string destination, bool archive, bool followLink,
        Func<Stream> stdin, CancellationToken cancellationToken = default)
    {
        var (mount, inMount) = ThroughMount(c, destination);
        if (mount is { ReadOnly: true }) throw new InvalidInputException($"mounted volume is marked read-only: {mount.Destination}");
        using var rootfs = mount is null ? await files.MountAsync(c, writable: true, cancellationToken).ConfigureAwait(false) : null;
        using var tree = new RootedTree(mount?.Source ?? rootfs!.Path);
        var destComps = RootedTree.Clean(inMount);
        var dest = Stat(tree, destComps);
        if (source == "-")
        {
            if (!dest.IsDirectory) throw new InvalidInputException($"destination \"{c.Name}:{destination}\" must be a directory");
            await using var input = stdin();
            var (_, tar) = await CompressionDetector.OpenDecompressedAsync(input, cancellationToken).ConfigureAwait(false);
            await Task.Run(() => new TreeExtractor(tree, destComps, null, null).Extract(new TarStreamReader(tar), cancellationToken), cancellationToken).ConfigureAwait(false);
            return;
        }
        string full = Path.GetFullPath(source);
        if (followLink && File.ResolveLinkTarget(full, returnFinalTarget: true) is { } final) full = final.FullName;
        var st = FileStat.TryLstat(Libc.AT_FDCWD, full) ?? throw new NotFoundException($"could not find the file {source} in the local filesystem");
        var src = CopyPaths.Source(source, st.IsDirectory);
        var plan = CopyPaths.Plan(src, destination, dest);
        if (!plan.IntoDestination && destComps.Count == 0) throw new InvalidInputException($"invalid destination: {destination}");
        var baseComps = plan.IntoDestination ? destComps : destComps.Take(destComps.Count - 1).ToList();
        string entryName = plan.IntoDestination ? plan.Name ?? "" : destComps[^1];
        if (!plan.IntoDestination && !Stat(tree, baseComps).IsDirectory) throw new InvalidInputException($"no such directory: {destination}");
        long? uid = archive ? null : 0, gid = archive ? null : 0;
        string parentDir = full == "/" ? "/" : Path.GetDirectoryName(full)!;
        int parent = Dirs.OpenRoot(parentDir);
        try
        {
            string name = full == "/" ? "." : Path.GetFileName(full);
            await PipeAsync(output => Archive(output, parent, name, entryName, uid, gid),
                input => new TreeExtractor(tree, baseComps, null, null).Extract(new TarStreamReader(input), cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally { Libc.Close(parent); }
    }

    /// <summary>
    /// The bind mount or volume a container path lies in (the deepest one), and the path within its source: docker
    /// copies through the container's mounts, and the host sees them at their sources (running or not).
    /// </summary>
    private static (MountSpec? Mount, string Path) ThroughMount(ContainerRecord c, string path)
    {
        var comps = RootedTree.Clean(path);
        MountSpec? best = null;
        int depth = -1;
        foreach (var m in c.Mounts.Where(m => m.Type is "bind" or "volume" && Directory.Exists(m.Source)))
        {
            var at = RootedTree.Clean(m.Destination);
            if (at.Count > depth && at.Count <= comps.Count && at.SequenceEqual(comps.Take(at.Count)))
            {
                best = m;
                depth = at.Count;
            }
        }
        if (best is null) return (null, path);
        string suffix = path.EndsWith("/.", StringComparison.Ordinal) ? "/." : path.EndsWith('/') ? "/" : "";
        return (best, "/" + string.Join('/', comps.Skip(depth)) + suffix);
    }

    /// <summary>Whether a container path exists and is a directory (symlinks followed inside the rootfs).</summary>
    private static CopyDestination Stat(RootedTree tree, List<string> comps)
    {
        try
        {
            tree.ResolveDir(comps, comps.Count, create: false);
            return new CopyDestination(true, true);
        }
        catch (NativeException) { }
        try
        {
            var (parent, _) = tree.ResolveDir(comps, comps.Count - 1, create: false);
            return new CopyDestination(FileStat.TryLstat(parent, comps[^1]) is not null, false);
        }
        catch (NativeException) { return new CopyDestination(false, false); }
    }

    /// <summary>The source's parent directory (a descriptor owned by the tree) and name; a final symlink is followed with <paramref name="follow"/> or a trailing slash.</summary>
    private static (int Parent, string Name, bool IsDirectory) ResolveSource(RootedTree tree, string path, bool follow, string shown)
    {
        var comps = RootedTree.Clean(path);
        bool trailing = path.EndsWith('/') || path.EndsWith("/.", StringComparison.Ordinal);
        for (int links = 0; ; links++)
        {
            if (comps.Count == 0) return (tree.RootFd, ".", true);
            int parent;
            try { parent = tree.ResolveDir(comps, comps.Count - 1, create: false).Fd; }
            catch (NativeException) { throw new NotFoundException($"Could not find the file {shown} in container"); }
            var st = FileStat.TryLstat(parent, comps[^1]) ?? throw new NotFoundException($"Could not find the file {shown} in container");
            if (!st.IsSymlink || (!follow && !trailing)) return (parent, comps[^1], st.IsDirectory);
            if (links >= MaxLinks) throw new InvalidInputException($"too many levels of symbolic links: {shown}");
            string target = RootedTree.ReadLink(parent, comps[^1]);
            var resolved = target.StartsWith('/') ? RootedTree.Clean(target) : RootedTree.Clean(string.Join('/', comps.Take(comps.Count - 1)) + "/" + target);
            comps = resolved;
        }
    }

    private static void Archive(Stream output, int parent, string name, string entryName, long? uid, long? gid)
    {
        var writer = new TarStreamWriter(output);
        new TreeArchiver(writer, uid, gid).Write(parent, name, entryName);
        writer.Finish();
        output.Flush();
    }

    /// <summary>Runs a tar producer and a consumer at once over a pipe; a failure of either ends both.</summary>
    private static async Task PipeAsync(Action<Stream> produce, Action<Stream> consume, CancellationToken cancellationToken)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        var producer = Task.Run(() =>
        {
            using var output = pipe.Writer.AsStream();
            try { produce(output); }
            catch (Exception e) { pipe.Writer.Complete(e); throw; }
        }, cancellationToken);
        var consumer = Task.Run(() =>
        {
            using var input = pipe.Reader.AsStream();
            try { consume(input); }
            catch (Exception e) { pipe.Reader.Complete(e); throw; }
        }, cancellationToken);
        try { await Task.WhenAll(producer, consumer).ConfigureAwait(false); }
        catch when (consumer.IsFaulted) { throw consumer.Exception!.InnerException!; }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getegid")]
    private static extern uint Getegid();
}
