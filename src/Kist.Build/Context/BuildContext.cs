using Kist.Build.Copy.Archives;
using Kist.Dockerfile.Ignore;
using Kist.Layers.Apply;
using Kist.Layers.Compression;
using Kist.Layers.Native;
using Kist.Oci;

namespace Kist.Build.Context;

/// <summary>
/// The build context: a directory that COPY and ADD read from, with <c>.dockerignore</c> applied on every access
/// (a directory is never copied; a tar on stdin is extracted once into a private temp directory).
/// </summary>
public sealed class BuildContext : IAsyncDisposable
{
    private readonly IgnoreMatcher? _ignore;
    private readonly bool _ownsRoot;

    private BuildContext(string root, IgnoreMatcher? ignore, bool ownsRoot)
    {
        Root = root;
        _ignore = ignore;
        _ownsRoot = ownsRoot;
    }

    /// <summary>The context's absolute directory.</summary>
    public string Root { get; }

    /// <summary>The ignore file has <c>!</c> patterns: an excluded directory may still hold included paths.</summary>
    public bool HasExclusions => _ignore?.HasExclusions ?? false;

    /// <summary>The ignore patterns in force (cleaned), empty without an ignore file.</summary>
    public IReadOnlyList<string> IgnorePatterns => _ignore?.Patterns.ToList() ?? [];

    /// <summary>
    /// A directory context. The ignore file is <c>NAME.dockerignore</c> beside a Dockerfile called NAME when it
    /// exists, else the context's <c>.dockerignore</c>. <paramref name="dockerfilePath"/> is absolute or relative
    /// to the context.
    /// </summary>
    public static Task<BuildContext> FromDirectoryAsync(string directory, string? dockerfilePath, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (!Directory.Exists(root)) throw new NotFoundException($"unable to prepare context: path \"{directory}\" not found");
        return Task.FromResult(new BuildContext(root, LoadIgnore(root, dockerfilePath), ownsRoot: false));
    }

    /// <summary>A tar stream (plain, gzip, bzip2, xz or zstd) extracted safely into a new directory under <paramref name="tempRoot"/>,
    /// removed on dispose. A stream that is not an archive is taken as a Dockerfile with an empty context (as <c>docker build - &lt; Dockerfile</c>).</summary>
    public static Task<BuildContext> FromTarAsync(Stream tar, string tempRoot, CancellationToken cancellationToken = default) =>
        FromTarAsync(tar, tempRoot, null, cancellationToken);

    /// <summary>As <see cref="FromTarAsync(Stream,string,CancellationToken)"/>, with the Dockerfile's path inside the tar (for <c>NAME.dockerignore</c>).</summary>
    public static async Task<BuildContext> FromTarAsync(Stream tar, string tempRoot, string? dockerfilePath, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(tempRoot);
        var root = Path.Combine(Path.GetFullPath(tempRoot), "context-" + Guid.NewGuid().ToString("N")[..16]);
        Directory.CreateDirectory(root);
        try
        {
            var (_, content) = await ArchiveDecompressor.OpenAsync(tar, cancellationToken).ConfigureAwait(false);
            await using (content.ConfigureAwait(false))
            {
                var head = new byte[512];
                int n = await content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                var whole = new PrefixedStream(head.AsMemory(0, n), content);
                if (n == head.Length && ArchiveProbe.IsTarHeader(head))
                {
                    // Context files are copied as 0:0 whatever the tar says; devices have no place in a context.
                    var options = new LayerApplyOptions { PreserveOwnership = false, Devices = DeviceNodePolicy.Skip };
                    await LayerApplier.ApplyAsync(whole, root, options, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // As docker's CLI: stdin that is not an archive is a Dockerfile, with an empty context.
                    await using var file = new FileStream(Path.Combine(root, "Dockerfile"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                    await whole.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                }
            }
            return new BuildContext(root, LoadIgnore(root, dockerfilePath), ownsRoot: true);
        }
        catch
        {
            Dirs.RemoveTree(root);
            throw;
        }
    }

    /// <summary>Whether a context-relative, '/'-separated path survives the ignore file (the root always does).</summary>
    public bool IsIncluded(string relativePath)
    {
        if (_ignore is null) return true;
        var clean = GoPath.Clean("/" + relativePath.Replace('\\', '/')).TrimStart('/');
        return clean.Length == 0 || !_ignore.IsExcluded(clean);
    }

    /// <summary>
    /// The Dockerfile's text: <paramref name="path"/> absolute or relative to the context; by default
    /// <c>Dockerfile</c> (or <c>dockerfile</c>, as docker falls back to). Null when it does not exist.
    /// </summary>
    public string? ReadDockerfile(string? path)
    {
        foreach (var candidate in DockerfileCandidates(Root, path))
            if (File.Exists(candidate)) return File.ReadAllText(candidate);
        return null;
    }

    private static IEnumerable<string> DockerfileCandidates(string root, string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            yield return Path.Combine(root, "Dockerfile");
            yield return Path.Combine(root, "dockerfile");
        }
        else yield return Path.IsPathRooted(path) ? path : Path.Combine(root, path);
    }

    private static IgnoreMatcher? LoadIgnore(string root, string? dockerfilePath)
    {
        var dockerfile = DockerfileCandidates(root, dockerfilePath).FirstOrDefault(File.Exists) ?? Path.Combine(root, "Dockerfile");
        foreach (var candidate in DockerIgnore.CandidatePaths(dockerfile, root))
        {
            if (!File.Exists(candidate)) continue;
            using var stream = File.OpenRead(candidate);
            var patterns = DockerIgnore.ReadPatterns(stream);
            return patterns.Count == 0 ? null : new IgnoreMatcher(patterns);
        }
        return null;
    }

    public ValueTask DisposeAsync()
    {
        if (_ownsRoot && Directory.Exists(Root)) Dirs.RemoveTree(Root);
        return ValueTask.CompletedTask;
    }
}
