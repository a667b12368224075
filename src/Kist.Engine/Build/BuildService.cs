using Kist.Build;
using Kist.Build.Context;
using Kist.Build.Planning;
using Kist.Build.Progress;
using Kist.Content;
using Kist.Engine.Distribution;
using Kist.Engine.Images;
using Kist.Engine.Layers;
using Kist.Oci;

namespace Kist.Engine.Build;

/// <summary>Where the build context and the Dockerfile come from: a directory or <c>-</c> (a tar on stdin), and <c>-f</c>.</summary>
public sealed record BuildSource(string Context, string? DockerfilePath)
{
    public bool ContextFromStdin => Context == "-";
    public bool DockerfileFromStdin => DockerfilePath == "-";
}

/// <summary>
/// <c>kist build</c>: reads the context and Dockerfile, builds through <see cref="DockerfileBuilder"/> (base images
/// found in the store or pulled) and names the result with every <c>-t</c>.
/// </summary>
public sealed class BuildService(KistEngine engine, DistributionOptions distribution)
{
    public async Task<BuildResult> BuildAsync(BuildSource source, BuildOptions options, IReadOnlyList<string> tags, IBuildProgress progress,
        Stream stdin, CancellationToken cancellationToken = default)
    {
        var references = tags.Select(ImageService.ParseTarget).ToList();
        if (source.ContextFromStdin && source.DockerfileFromStdin)
            throw new InvalidInputException("invalid argument: can't use stdin for both build context and dockerfile");
        await using var context = source.ContextFromStdin
            ? await BuildContext.FromTarAsync(stdin, Path.Combine(engine.Layout.Root, "build"), cancellationToken).ConfigureAwait(false)
            : await OpenDirectoryAsync(source, cancellationToken).ConfigureAwait(false);
        string dockerfile;
        if (source.DockerfileFromStdin)
        {
            using var reader = new StreamReader(stdin);
            dockerfile = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            string? path = source.DockerfilePath is { Length: > 0 } f && !source.ContextFromStdin ? Path.GetFullPath(f) : source.DockerfilePath;
            dockerfile = context.ReadDockerfile(path)
                ?? throw new NotFoundException($"failed to read dockerfile: open {source.DockerfilePath ?? "Dockerfile"}: no such file or directory");
        }

        var snapshotter = new ImageMountService(engine).Snapshotter;
        var builder = new DockerfileBuilder(engine.Layout, engine.Content, snapshotter, new ImageResolver(engine, distribution),
            host => distribution.CreateClient(host));
        var result = await builder.BuildAsync(options with { Dockerfile = dockerfile }, context, progress, cancellationToken).ConfigureAwait(false);
        var step = progress.Start("naming the image");
        engine.ImageStore.Update(index =>
        {
            if (references.Count == 0) index.AddUnnamed(result.Manifest);
            foreach (var reference in references) index.SetReference(reference, result.Manifest);
            return 0;
        });
        foreach (var reference in references) step.Status("naming to " + reference);
        step.Done();
        return result;
    }

    private static async Task<BuildContext> OpenDirectoryAsync(BuildSource source, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(source.Context))
            throw new NotFoundException($"unable to prepare context: path \"{source.Context}\" not found");
        string? dockerfile = source.DockerfilePath is { Length: > 0 } f && !source.DockerfileFromStdin ? Path.GetFullPath(f) : null;
        return await BuildContext.FromDirectoryAsync(Path.GetFullPath(source.Context), dockerfile, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Base images: the store's (by name or ID), pulled when missing or when <c>--pull</c> asks.</summary>
    private sealed class ImageResolver(KistEngine engine, DistributionOptions distribution) : IImageResolver
    {
        private readonly SemaphoreSlim _pulls = new(1, 1);

        public async Task<LocalImage> ResolveAsync(string reference, bool pull, CancellationToken cancellationToken = default)
        {
            if (!pull)
            {
                try { return (await engine.Images.FindAsync(reference, cancellationToken).ConfigureAwait(false)).Image; }
                catch (NotFoundException) { }
            }
            if (!ImageReference.TryParse(reference, out _)) throw new NotFoundException($"No such image: {reference}");
            await _pulls.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var results = await engine.Pull(distribution).PullAsync(reference, new PullOptions(), NullTransferObserver.Instance, cancellationToken).ConfigureAwait(false);
                return await engine.ImageStore.LoadImageAsync(results[0].Target, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException and not NotFoundException)
            {
                throw new KistException($"failed to resolve source metadata for {ImageReference.Parse(reference)}: {e.Message}", e);
            }
            finally
            {
                _pulls.Release();
            }
        }
    }
}
