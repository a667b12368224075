using Kist.Layers.Diff;
using Kist.Oci;
using Kist.Snapshots;

namespace Kist.Build.Execution;

/// <summary>What a step changed: a layer committed to the store and as a snapshot, or nothing.</summary>
public sealed record StepLayer(Descriptor Layer, Digest DiffId);

/// <summary>
/// A step's writable root filesystem: an active snapshot over the parent's committed chain, mounted privately. Its
/// change becomes one layer (gzip, or a plain tar when its files do not compress; streamed to the store) and a
/// committed snapshot keyed by the new ChainID, so the next step mounts it without unpacking anything. Disposing
/// without commit removes it.
/// </summary>
public sealed class StepRootfs : IAsyncDisposable
{
    private readonly BuildEnvironment _env;
    private readonly string _key;
    private readonly Digest? _parent;
    private IReadOnlyList<Mount> _mounts = [];
    private bool _mounted, _done;

    private StepRootfs(BuildEnvironment env, Digest? parent, string path)
    {
        _env = env;
        _parent = parent;
        _key = $"build-{env.Id}-{RandomHex.Create(4)}";
        Path = path;
    }

    /// <summary>The mounted root filesystem.</summary>
    public string Path { get; }

    /// <summary>Prepares and mounts a writable snapshot over <paramref name="parent"/> at <paramref name="mountPoint"/> (created).</summary>
    public static async Task<StepRootfs> OpenAsync(BuildEnvironment env, Digest? parent, string mountPoint, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(mountPoint);
        var rootfs = new StepRootfs(env, parent, mountPoint);
        try
        {
            rootfs._mounts = await env.Snapshotter.PrepareAsync(rootfs._key, parent?.ToString(), cancellationToken).ConfigureAwait(false);
            MountHelper.MountAllVolatile(rootfs._mounts, mountPoint);
            rootfs._mounted = true;
        }
        catch
        {
            await rootfs.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return rootfs;
    }

    /// <summary>
    /// Unmounts, writes the change as a layer blob and commits the snapshot; null when nothing changed. The caller
    /// holds the store's GC lock shared until the layer is referenced.
    /// </summary>
    public async Task<StepLayer?> CommitAsync(Func<string, bool>? exclude, CancellationToken cancellationToken)
    {
        Unmount();
        var (directory, lower, overlay, release) = await ChangesAsync(cancellationToken).ConfigureAwait(false);
        Descriptor descriptor;
        Digest diffId;
        try
        {
            await using var writer = await _env.Content.OpenWriterAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var options = new LayerCreateOptions
            {
                Compression = Compression.Gzip, PlainWhenIncompressible = true, OutputDigest = () => writer.WrittenDigest,
                SourceDateEpoch = _env.Options.SourceDateEpoch, Exclude = exclude,
            };
            var digests = overlay
                ? await LayerCreator.CreateFromOverlayUpperAsync(directory, writer.Stream, options, cancellationToken).ConfigureAwait(false)
                : await LayerCreator.CreateFromDirectoryAsync(directory, lower, writer.Stream, options, cancellationToken).ConfigureAwait(false);
            if (digests.DiffId == EmptyTarDiffId) return null; // disposing the writer abandons the blob
            diffId = digests.DiffId;
            descriptor = await writer.CommitAsync(digests.MediaType, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await release().ConfigureAwait(false);
        }
        string chain = _parent is { } p ? ImageUnpacker.ChainIds([p, diffId])[^1].ToString() : diffId.ToString();
        // A chain ID names content: when the same change over the same parent is already there, keep that one.
        if (await _env.Snapshotter.StatAsync(chain, cancellationToken).ConfigureAwait(false) is null)
        {
            try
            {
                await _env.Snapshotter.CommitAsync(chain, _key, cancellationToken).ConfigureAwait(false);
                _done = true;
            }
            catch (ConflictException) { }
        }
        return new StepLayer(descriptor, diffId);
    }

    /// <summary>The changed files: an overlay upper dir, or (copy snapshotter) the full tree with a view of the parent to diff against.</summary>
    private async Task<(string Directory, string? Lower, bool Overlay, Func<Task> Release)> ChangesAsync(CancellationToken cancellationToken)
    {
        if (_mounts is [{ Type: "overlay" } overlay] && overlay.Option("upperdir") is { } upper)
            return (upper, null, true, () => Task.CompletedTask);
        if (_mounts is not [{ Type: "bind" } bind]) throw new KistException("cannot read the changes of a build step: unexpected snapshot mounts");
        if (_env.Snapshotter.Name == "overlay" || _parent is null) return (bind.Source, null, true, () => Task.CompletedTask);
        string viewKey = _key + "-parent";
        var view = await _env.Snapshotter.ViewAsync(viewKey, _parent.ToString(), cancellationToken).ConfigureAwait(false);
        async Task Release() => await _env.Snapshotter.RemoveAsync(viewKey, CancellationToken.None).ConfigureAwait(false);
        if (view is not [{ Type: "bind" } parentBind])
        {
            await Release().ConfigureAwait(false);
            throw new KistException("cannot read the parent of a build step: unexpected snapshot mounts");
        }
        return (bind.Source, parentBind.Source, false, Release);
    }

    /// <summary>sha256 of an empty tar (two zero blocks): the diff ID of a step that changed nothing.</summary>
    public static readonly Digest EmptyTarDiffId = Digest.Compute(new byte[1024]);

    private void Unmount()
    {
        if (!_mounted) return;
        MountHelper.Unmount(Path);
        _mounted = false;
    }

    public async ValueTask DisposeAsync()
    {
        Unmount();
        if (!_done)
        {
            _done = true;
            try { await _env.Snapshotter.RemoveAsync(_key, CancellationToken.None).ConfigureAwait(false); }
            catch (NotFoundException) { }
        }
    }
}
