namespace Kist.Build.Execution;

/// <summary>
/// A tree RUN --mount=type=bind reads: the build context, or another stage's or an image's root filesystem
/// (mounted read-only until disposed). <see cref="Key"/> stands for its content in the step's cache key.
/// </summary>
public sealed record MountSource(string Root, string Key, Func<string, bool>? IsIncluded, IAsyncDisposable? Release);

/// <summary>Opens the tree a <c>from=</c> names (null: the build context).</summary>
public interface IMountSources
{
    Task<MountSource> OpenAsync(string? from, CancellationToken cancellationToken);
}
