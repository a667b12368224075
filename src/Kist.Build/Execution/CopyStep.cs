using System.Text;
using Kist.Build.Context;
using Kist.Build.Copy;
using Kist.Build.Progress;
using Kist.Dockerfile.Instructions;

namespace Kist.Build.Execution;

/// <summary>
/// COPY and ADD: planned by <see cref="CopyPlanner"/> (its checksum of the sources' contents and metadata is the
/// cache key's input), then written straight into the step's mounted snapshot.
/// </summary>
public sealed class CopyStep(BuildEnvironment env, BuildContext context, ImageState state, FileInstruction file, ImageState? from)
{
    public async Task<ImageState> ExecuteAsync(IStepProgress progress, CancellationToken cancellationToken)
    {
        await using var source = from is null ? null : await ReadOnlyRootfs.MountAsync(env, from, cancellationToken).ConfigureAwait(false);
        string? heredocs = file.SourceContents.Count > 0 ? env.NewDirectory("heredoc") : null;
        var plans = new List<CopyPlan>();
        try
        {
            if (file.Sources.Count > 0)
            {
                var tree = source is null ? CopySourceTree.FromContext(context) : CopySourceTree.FromRootfs(source.Path);
                plans.Add(await CopyPlanner.PlanAsync(Request(tree, file.Sources), env.Http, cancellationToken).ConfigureAwait(false));
            }
            if (heredocs is not null)
            {
                foreach (var h in file.SourceContents)
                    await File.WriteAllTextAsync(Path.Combine(heredocs, h.Name), h.Content, cancellationToken).ConfigureAwait(false);
                var tree = new CopySourceTree(heredocs);
                plans.Add(await CopyPlanner.PlanAsync(Request(tree, file.SourceContents.Select(h => h.Name).ToArray()) with { IsAdd = false },
                    env.Http, cancellationToken).ConfigureAwait(false));
            }
            var key = Cache.CacheKey.Step(state.CacheKey, file.Name).Add(state.Config.WorkingDir ?? "/").AddAll(plans.Select(p => p.Checksum)).Finish();
            return await StepRunner.ExecuteAsync(env, state, key, CreatedBy(), progress, async (_, rootfs) =>
            {
                foreach (var plan in plans) await plan.ApplyAsync(rootfs, cancellationToken).ConfigureAwait(false);
                return null;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            progress.Error(e.Message);
            throw;
        }
        finally
        {
            foreach (var plan in plans) await plan.DisposeAsync().ConfigureAwait(false);
            if (heredocs is not null) Directory.Delete(heredocs, recursive: true);
        }
    }

    private CopyRequest Request(CopySourceTree tree, IReadOnlyList<string> sources) => new()
    {
        From = tree,
        Sources = sources,
        Destination = file.Destination,
        WorkingDir = state.Config.WorkingDir is { Length: > 0 } wd ? wd : "/",
        Chown = file.Chown,
        Chmod = file.Chmod,
        IsAdd = file is AddInstruction,
        Checksum = (file as AddInstruction)?.Checksum,
        KeepGitDir = (file as AddInstruction)?.KeepGitDir ?? false,
        Parents = file.Parents,
        Excludes = file.Excludes,
        Link = file.Link,
    };

    /// <summary>BuildKit's history text: <c>COPY [--parents] [--chown=…] [--chmod=…] SRC… DEST # buildkit</c>.</summary>
    private string CreatedBy()
    {
        var sb = new StringBuilder(file.Name);
        if (file.Parents) sb.Append(" --parents");
        if (!string.IsNullOrEmpty(file.Chown)) sb.Append(" --chown=").Append(file.Chown);
        if (!string.IsNullOrEmpty(file.Chmod)) sb.Append(" --chmod=").Append(file.Chmod);
        foreach (var s in file.Sources) sb.Append(' ').Append(s);
        foreach (var h in file.SourceContents) sb.Append(" <<").Append(h.Name);
        return sb.Append(' ').Append(file.Destination).Append(" # buildkit").ToString();
    }
}
