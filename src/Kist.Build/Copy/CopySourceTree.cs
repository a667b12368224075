using Kist.Build.Context;

namespace Kist.Build.Copy;

/// <summary>
/// A tree files are copied from: the build context (with its ignore filter) or another stage's / an image's rootfs
/// (a mounted directory, no filter).
/// </summary>
public sealed record CopySourceTree(string Root, Func<string, bool>? IsIncluded = null)
{
    /// <summary>Files keep their uid/gid (COPY --from); false for the build context, whose files are written as 0:0.
    /// By default a tree without a filter (a rootfs) keeps them and a filtered one (the context) does not; the
    /// factories below say it explicitly.</summary>
    public bool KeepOwnership { get; init; } = IsIncluded is null;

    /// <summary>The filter has re-inclusions (<c>!</c>): an excluded directory is still searched for included paths.</summary>
    public bool ExcludedDirectoriesMayHoldIncluded { get; init; }

    /// <summary>The build context, its ignore file applied, files owned by 0:0.</summary>
    public static CopySourceTree FromContext(BuildContext context) =>
        new(context.Root, context.IsIncluded) { KeepOwnership = false, ExcludedDirectoriesMayHoldIncluded = context.HasExclusions };

    /// <summary>A stage's or an image's root filesystem: no filter, ownership kept.</summary>
    public static CopySourceTree FromRootfs(string root) => new(root) { KeepOwnership = true };
}
