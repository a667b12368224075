using Kist.Build.Cache;
using Kist.Build.Progress;
using Kist.Oci;

namespace Kist.Build.Execution;

/// <summary>
/// The life of a filesystem step: a cache hit applies the recorded layer without touching any file; a miss mounts a
/// writable snapshot over the parent, lets the step change it, commits the change as a layer and records it.
/// </summary>
public static class StepRunner
{
    /// <param name="work">Changes the mounted root filesystem (<c>bundle/rootfs</c>); returns paths to leave out of the layer.</param>
    public static async Task<ImageState> ExecuteAsync(BuildEnvironment env, ImageState state, string key, string createdBy, IStepProgress progress,
        Func<string, string, Task<Func<string, bool>?>> work, CancellationToken cancellationToken)
    {
        if (!env.Options.NoCache)
        {
            var hit = env.Cache.Lookup(key);
            if (hit is null && await env.Imports.TryImportAsync(env.Content, key, progress, cancellationToken).ConfigureAwait(false) is { } imported)
            {
                // Recorded here, so the next build finds it without the source; its snapshot is unpacked when a step mounts it.
                hit = imported;
                env.Cache.Record(key, hit, Apply(state, hit, key, createdBy).ChainId?.ToString());
            }
            if (hit is not null)
            {
                progress.Cached();
                env.Used[key] = hit;
                return Apply(state, hit, key, createdBy);
            }
        }
        var parent = await SnapshotChain.EnsureAsync(env, state, cancellationToken).ConfigureAwait(false);
        string bundle = env.NewDirectory("step");
        try
        {
            await using var rootfs = await StepRootfs.OpenAsync(env, parent, Path.Combine(bundle, "rootfs"), cancellationToken).ConfigureAwait(false);
            var exclude = await work(bundle, rootfs.Path).ConfigureAwait(false);
            var layer = await rootfs.CommitAsync(exclude, cancellationToken).ConfigureAwait(false);
            var result = new CacheResult(layer?.Layer, layer?.DiffId, env.Now());
            var next = Apply(state, result, key, createdBy);
            env.Cache.Record(key, result, next.ChainId?.ToString());
            env.Used[key] = result;
            progress.Done();
            return next;
        }
        finally
        {
            TryDelete(bundle);
        }
    }

    public static ImageState Apply(ImageState state, CacheResult result, string key, string createdBy)
    {
        var entry = new HistoryEntry { Created = result.Created, CreatedBy = createdBy, Comment = ConfigInstructions.HistoryComment };
        return result.Layer is { } layer
            ? state.WithLayer(layer, result.DiffId!.Value, entry, key)
            : state with { History = [.. state.History, entry with { EmptyLayer = true }], CacheKey = key, StepKeys = [.. state.StepKeys, key] };
    }

    /// <summary>
    /// Removes the bundle's own files and the (unmounted, empty) rootfs mount point; never recursively, so a mount
    /// left behind by a failure is never emptied through it.
    /// </summary>
    public static void TryDelete(string bundle)
    {
        try
        {
            foreach (var file in Directory.EnumerateFiles(bundle)) File.Delete(file);
            foreach (var dir in Directory.EnumerateDirectories(bundle)) Directory.Delete(dir);
            Directory.Delete(bundle);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
