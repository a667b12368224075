using Kist.Build.Cache.Remote;
using Kist.Build.Context;
using Kist.Build.Execution;
using Kist.Build.Planning;
using Kist.Build.Progress;
using Kist.Content;
using Kist.Oci;
using Kist.Registry;
using Kist.Snapshots;

namespace Kist.Build;

/// <summary>
/// One build over one store: plan, run the stages, write the image. The store's GC lock is held shared throughout,
/// so no blob written by the build is collected before the cache or the image names it.
/// </summary>
/// <param name="registries">Registry clients by host, for <c>--cache-from</c>/<c>--cache-to</c> of type registry.</param>
public sealed class DockerfileBuilder(StoreLayout layout, LocalContentStore content, ISnapshotter snapshotter, IImageResolver images,
    Func<string, RegistryClient>? registries = null)
{
    public async Task<BuildResult> BuildAsync(BuildOptions options, BuildContext context, IBuildProgress progress, CancellationToken cancellationToken = default)
    {
        var env = new BuildEnvironment(layout, content, snapshotter, progress, options);
        using var gcLock = FileLock.Shared(layout.GcLock);
        try
        {
            var plan = await new StagePlanner(images).PlanAsync(options, cancellationToken).ConfigureAwait(false);
            if (options.CacheFrom.Count > 0 && !options.NoCache)
                env.Imports = await CacheImports.LoadAsync(options.CacheFrom, registries, progress, cancellationToken).ConfigureAwait(false);
            var state = await new Builder(env, context).BuildAsync(plan, cancellationToken).ConfigureAwait(false);
            var step = progress.Start("exporting to image");
            var result = await ImageWriter.WriteAsync(env, state, cancellationToken).ConfigureAwait(false);
            step.Status("writing image " + result.ImageId);
            step.Done();
            foreach (var export in options.CacheTo) await ExportCacheAsync(env, export, state, cancellationToken).ConfigureAwait(false);
            return result;
        }
        finally
        {
            env.Imports.Dispose();
            // Only empty directories are left once every step has cleaned up; a busy mount point is never recursed into.
            try { if (Directory.Exists(env.WorkDirectory)) Directory.Delete(env.WorkDirectory); } catch (IOException) { }
        }
    }

    /// <summary>mode=min: the steps the final image is made of (its base stages' included); mode=max: every step of the build.</summary>
    private async Task ExportCacheAsync(BuildEnvironment env, CacheExportSpec export, ImageState state, CancellationToken cancellationToken)
    {
        var records = export.Mode == CacheExportMode.Max
            ? env.Used.Select(u => new CacheRecord(u.Key, u.Value)).ToList()
            : state.StepKeys.Distinct(StringComparer.Ordinal).Where(env.Used.ContainsKey).Select(k => new CacheRecord(k, env.Used[k])).ToList();
        var step = env.Progress.Start("exporting cache to " + export);
        try
        {
            await CacheExporter.ExportAsync(export, records, content, registries, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (export.IgnoreError)
            {
                step.Log("WARNING: cache not exported: " + e.Message);
                step.Done();
                return;
            }
            step.Error(e.Message);
            throw new KistException($"failed to export the build cache to {export}: {e.Message}", e);
        }
        step.Log($"{records.Count} cache records, {records.Count(r => r.Result.Layer is not null)} layers");
        step.Done();
    }
}
