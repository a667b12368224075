using Kist.Content;
using Kist.Engine.Images;
using Kist.Layers.Apply;
using Kist.Layers.Native;
using Kist.Oci;
using Kist.Runtime.Bundle;
using Kist.Snapshots;

namespace Kist.Engine.Layers;

/// <summary>
/// Image root filesystems: unpacked into committed snapshots keyed by ChainID (shared between images), mounted
/// read-only under <c>ROOT/mounts/ID</c>, or flattened into a directory as <c>umoci unpack</c> does.
/// </summary>
public sealed class ImageMountService(ImageService images, LocalContentStore content, string root)
{
    public ImageMountService(KistEngine engine) : this(engine.Images, engine.Content, engine.Layout.Root) { }

    /// <summary>The snapshotter of this root: overlay where the kernel has it, else copy.</summary>
    public ISnapshotter Snapshotter { get; } = OverlayRootIfSupported(Path.Combine(root, "snapshots", "overlay")) is { } overlay
        ? new OverlaySnapshotter(overlay)
        : new CopySnapshotter(Path.Combine(root, "snapshots", "copy"));

    private string MountPoint(Digest id) => Path.Combine(root, "mounts", id.Encoded);
    private static string ViewKey(Digest id) => "mount-" + id;

    /// <summary>Unpacks the image (the layers not yet unpacked) and returns the ChainID of its root filesystem.</summary>
    public async Task<Digest> UnpackSnapshotsAsync(LocalImage image, CancellationToken cancellationToken = default) =>
        await ImageUnpacker.UnpackAsync(Snapshotter, Layers(image), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The committed snapshot containers of the image start from: the image's root filesystem (<paramref name="chainId"/>)
    /// under an init layer with the runtime's mount points (<see cref="InitLayer"/>), shared by every container of the
    /// image (overlay only: a copy snapshotter would copy the whole image for it, and there the runtime makes the mount
    /// points). <see cref="EnsureInitSnapshotAsync"/> makes it.
    /// </summary>
    public string InitSnapshotKey(Digest chainId) => Snapshotter.Name == "overlay" ? "init-" + chainId : chainId.ToString();

    /// <summary>
    /// Makes the image's init layer unless it is there. `builder prune` removes it with the image's snapshots once no
    /// container uses it.
    /// </summary>
    public async Task EnsureInitSnapshotAsync(Digest chainId, CancellationToken cancellationToken = default)
    {
        string key = InitSnapshotKey(chainId);
        if (key == chainId.ToString()) return;
        if (await Snapshotter.StatAsync(key, cancellationToken).ConfigureAwait(false) is { Kind: SnapshotKind.Committed }) return;
        await SnapshotCommit.CreateAsync(Snapshotter, key, chainId.ToString(), mounts =>
        {
            // Through a mount, so that a copied-up /etc keeps the image's owner, mode and times.
            string target = Path.Combine(root, "mounts", "init-" + RandomHex.Create(6));
            Directory.CreateDirectory(target);
            MountHelper.MountAll(mounts, target);
            try { InitLayer.Populate(target); }
            finally
            {
                MountHelper.Unmount(target);
                Directory.Delete(target);
            }
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Mounts the image's root filesystem read-only and returns the mount point (the same one when already mounted).</summary>
    public async Task<string> MountAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        var image = await images.FindAsync(nameOrId, cancellationToken).ConfigureAwait(false);
        string target = MountPoint(image.Id);
        if (IsMounted(target)) return target;
        var top = await UnpackSnapshotsAsync(image.Image, cancellationToken).ConfigureAwait(false);
        string key = ViewKey(image.Id);
        var mounts = await Snapshotter.StatAsync(key, cancellationToken).ConfigureAwait(false) is null
            ? await Snapshotter.ViewAsync(key, top.ToString(), cancellationToken).ConfigureAwait(false)
            : await Snapshotter.MountsAsync(key, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(target);
        MountHelper.MountAll(mounts, target);
        return target;
    }

    /// <summary>Unmounts what <see cref="MountAsync"/> mounted; the unpacked snapshots stay for the next mount.</summary>
    public async Task UnmountAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        var image = await images.FindAsync(nameOrId, cancellationToken).ConfigureAwait(false);
        string target = MountPoint(image.Id);
        string key = ViewKey(image.Id);
        bool mounted = IsMounted(target);
        if (!mounted && await Snapshotter.StatAsync(key, cancellationToken).ConfigureAwait(false) is null)
            throw new NotFoundException($"image {nameOrId} is not mounted");
        if (mounted) MountHelper.Unmount(target);
        if (Directory.Exists(target)) Directory.Delete(target);
        if (await Snapshotter.StatAsync(key, cancellationToken).ConfigureAwait(false) is not null)
            await Snapshotter.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the image's flattened root filesystem into <paramref name="directory"/> (new or empty).</summary>
    public async Task UnpackAsync(string nameOrId, string directory, CancellationToken cancellationToken = default)
    {
        var image = await images.FindAsync(nameOrId, cancellationToken).ConfigureAwait(false);
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            throw new ConflictException($"{directory} is not empty");
        Directory.CreateDirectory(directory);
        foreach (var layer in Layers(image.Image))
        {
            await using var stream = await layer.Open(cancellationToken).ConfigureAwait(false);
            await LayerApplier.ApplyAsync(stream, directory, new LayerApplyOptions { ExpectedDiffId = layer.DiffId }, cancellationToken).ConfigureAwait(false);
        }
    }

    private List<LayerSource> Layers(LocalImage image)
    {
        var descriptors = image.Manifest.Value.Layers;
        var diffIds = image.Config.Value.RootFs.DiffIds;
        if (descriptors.Count != diffIds.Count)
            throw new InvalidInputException($"image {image.Id} has {descriptors.Count} layers but {diffIds.Count} diff IDs");
        return descriptors.Select((d, i) => new LayerSource(diffIds[i], ct => content.OpenReadAsync(d, ct))).ToList();
    }

    private static bool IsMounted(string path)
    {
        string full = Path.GetFullPath(path);
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            if (fields.Length > 4 && Unescape(fields[4]) == full) return true;
        }
        return false;
    }

    private static string Unescape(string s) =>
        s.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");

    /// <summary>
    /// Overlay when kist runs as root and the kernel has it: a root whose overlay snapshots exist already had it, which
    /// spares every command of such a root the reading of /proc/filesystems (~0.05 ms before a run's runtime starts).
    /// </summary>
    /// <returns><paramref name="overlaySnapshots"/> when overlay is to be used, else null.</returns>
    private static string? OverlayRootIfSupported(string overlaySnapshots) =>
        Libc.IsRoot && (Directory.Exists(overlaySnapshots)
            || File.Exists("/proc/filesystems") && File.ReadLines("/proc/filesystems").Any(l => l.EndsWith("\toverlay", StringComparison.Ordinal)))
            ? overlaySnapshots
            : null;
}
