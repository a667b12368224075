using Kist.Oci;
using Kist.Snapshots;

namespace Kist.Build.Execution;

/// <summary>Another stage's or an image's root filesystem mounted read-only (COPY --from, RUN --mount from=), until disposed.</summary>
public sealed class ReadOnlyRootfs : IAsyncDisposable
{
    private readonly BuildEnvironment _env;
    private readonly string? _viewKey;

    private ReadOnlyRootfs(BuildEnvironment env, string path, string? viewKey)
    {
        _env = env;
        Path = path;
        _viewKey = viewKey;
    }

    public string Path { get; }

    public static async Task<ReadOnlyRootfs> MountAsync(BuildEnvironment env, ImageState state, CancellationToken cancellationToken)
    {
        string dir = env.NewDirectory("from");
        var chain = await SnapshotChain.EnsureAsync(env, state, cancellationToken).ConfigureAwait(false);
        if (chain is null) return new ReadOnlyRootfs(env, dir, null); // an empty root filesystem: an empty directory
        string key = $"build-{env.Id}-view-{RandomHex.Create(4)}";
        var mounts = await env.Snapshotter.ViewAsync(key, chain.ToString(), cancellationToken).ConfigureAwait(false);
        var rootfs = new ReadOnlyRootfs(env, dir, key);
        try
        {
            MountHelper.MountAll(mounts, dir);
        }
        catch
        {
            await rootfs.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return rootfs;
    }

    public async ValueTask DisposeAsync()
    {
        if (_viewKey is not null)
        {
            MountHelper.Unmount(Path);
            await _env.Snapshotter.RemoveAsync(_viewKey, CancellationToken.None).ConfigureAwait(false);
        }
        try { Directory.Delete(Path); } catch (IOException) { }
    }
}
