using Kist.Build.Context;
using Kist.Build.Execution;
using Kist.Build.Planning;
using Kist.Build.Progress;
using Kist.Content;
using Kist.Snapshots;

namespace Kist.Build;

/// <summary>
/// One build over one store: plan, run the stages, write the image. The store's GC lock is held shared throughout,
/// so no blob written by the build is collected before the cache or the image names it.
/// </summary>
public sealed class DockerfileBuilder(StoreLayout layout, LocalContentStore content, ISnapshotter snapshotter, IImageResolver images)
{
    public async Task<BuildResult> BuildAsync(BuildOptions options, BuildContext context, IBuildProgress progress, CancellationToken cancellationToken = default)
    {
        var env = new BuildEnvironment(layout, content, snapshotter, progress, options);
        using var gcLock = FileLock.Shared(layout.GcLock);
        try
        {
            var plan = await new StagePlanner(images).PlanAsync(options, cancellationToken).ConfigureAwait(false);
            var state = await new Builder(env, context).BuildAsync(plan, cancellationToken).ConfigureAwait(false);
            var step = progress.Start("exporting to image");
            var result = await ImageWriter.WriteAsync(env, state, cancellationToken).ConfigureAwait(false);
            step.Log("writing image " + result.ImageId + " done");
            step.Done();
            return result;
        }
        finally
        {
            // Only empty directories are left once every step has cleaned up; a busy mount point is never recursed into.
            try { if (Directory.Exists(env.WorkDirectory)) Directory.Delete(env.WorkDirectory); } catch (IOException) { }
        }
    }
}
