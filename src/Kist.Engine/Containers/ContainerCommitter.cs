using Kist.Content;
using Kist.Engine.Images;
using Kist.Layers.Diff;
using Kist.Oci;
using Kist.Runtime.State;

namespace Kist.Engine.Containers;

/// <summary>What <c>commit</c> was asked; <paramref name="Pause"/> freezes a running container meanwhile (docker's default).</summary>
public sealed record CommitOptions(string? Reference, string? Author, string? Message, IReadOnlyList<string> Changes, bool Pause = true);

/// <summary>
/// docker commit: the container's read-write layer becomes one more gzip layer over its image's, with the
/// container's config (and the <c>--change</c>s) as the new image's config and docker's history entry for it.
/// </summary>
public sealed class ContainerCommitter(KistEngine engine)
{
    public async Task<Digest> CommitAsync(ContainerRecord c, CommitOptions options, CancellationToken cancellationToken = default)
    {
        var reference = options.Reference is null ? null : ImageService.ParseTarget(options.Reference);
        var runtime = engine.Containers.Runtime;
        bool paused = options.Pause && await runtime.PauseAsync(c, cancellationToken).ConfigureAwait(false);
        try
        {
            return await CommitAsync(c, options, reference, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Thawed whatever happened: a failed commit must not leave the container frozen.
            if (paused) await runtime.ResumeAsync(c).ConfigureAwait(false);
        }
    }

    private async Task<Digest> CommitAsync(ContainerRecord c, CommitOptions options, ImageReference? reference, CancellationToken cancellationToken)
    {
        var image = (await engine.Images.FindAsync(c.Image, cancellationToken).ConfigureAwait(false)).Image;
        var parent = image.ConfigValue;
        var containerConfig = ConfigChanges.Apply(ConfigOf(c, parent.Config), options.Changes);
        bool docker = image.Manifest.Value.MediaType == MediaTypes.DockerManifest || image.ManifestDescriptor.MediaType == MediaTypes.DockerManifest;

        var files = new ContainerFilesystem(engine.Containers.Runtime);
        var (layer, release) = await files.ReadWriteLayerAsync(c, cancellationToken).ConfigureAwait(false);
        using var gcLock = FileLock.Shared(engine.Layout.GcLock);
        Descriptor layerDescriptor;
        Digest diffId;
        Compression compression;
        await using (var writer = await engine.Content.OpenWriterAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var create = new LayerCreateOptions
                {
                    Compression = Compression.Gzip, PlainWhenIncompressible = true, OutputDigest = () => writer.WrittenDigest,
                    Exclude = ContainerFilesystem.IsRuntimeMountpoint,
                };
                var digests = layer.IsOverlayUpper
                    ? await LayerCreator.CreateFromOverlayUpperAsync(layer.Directory, writer.Stream, create, cancellationToken).ConfigureAwait(false)
                    : await LayerCreator.CreateFromDirectoryAsync(layer.Directory, layer.Lowers.FirstOrDefault(), writer.Stream, create, cancellationToken).ConfigureAwait(false);
                diffId = digests.DiffId;
                compression = digests.Compression;
            }
            finally
            {
                await release().ConfigureAwait(false);
            }
            string mediaType = docker ? MediaTypes.DockerLayerFor(compression) : MediaTypes.OciLayerFor(compression);
            layerDescriptor = await writer.CommitAsync(mediaType, cancellationToken).ConfigureAwait(false);
        }

        var now = DateTimeOffset.UtcNow;
        var config = parent with
        {
            Created = now,
            Author = options.Author,
            Comment = options.Message,
            Config = containerConfig,
            RootFs = new RootFs { DiffIds = [.. parent.RootFs.DiffIds, diffId] },
            History =
            [
                .. parent.History ?? [],
                new HistoryEntry
                {
                    Created = now, Author = options.Author, Comment = options.Message,
                    CreatedBy = string.Join(' ', c.Config.Cmd),
                },
            ],
        };
        string configType = docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig;
        var configBytes = OciDocuments.Serialize(config, OciJsonContext.Default.ImageConfig);
        var manifest = new ImageManifest
        {
            MediaType = docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = configType, Digest = Digest.Compute(configBytes), Size = configBytes.Length },
            Layers = [.. image.Manifest.Value.Layers, layerDescriptor],
        };
        var manifestBytes = OciDocuments.Serialize(manifest, OciJsonContext.Default.ImageManifest);
        await engine.Content.PutAsync(configBytes, configType, cancellationToken).ConfigureAwait(false);
        var target = await engine.Content.PutAsync(manifestBytes, manifest.MediaType!, cancellationToken).ConfigureAwait(false);
        engine.ImageStore.Update(index =>
        {
            if (reference is null) index.AddUnnamed(target);
            else index.SetReference(reference, target);
            return 0;
        });
        return manifest.Config.Digest;
    }

    /// <summary>docker's commit config: the container's own (its env, command, user...), the image's for the rest.</summary>
    private static ContainerConfig ConfigOf(ContainerRecord c, ContainerConfig? image) => (image ?? new ContainerConfig()) with
    {
        User = c.Config.User.Length > 0 ? c.Config.User : null,
        Env = c.Config.Env.Count > 0 ? c.Config.Env : null,
        Cmd = c.Config.Cmd.Count > 0 ? c.Config.Cmd : null,
        Entrypoint = c.Config.Entrypoint.Count > 0 ? c.Config.Entrypoint : null,
        WorkingDir = c.Config.WorkingDir.Length > 0 ? c.Config.WorkingDir : null,
        Labels = c.Config.Labels.Count > 0 ? c.Config.Labels : null,
        StopSignal = c.Config.StopSignal.Length > 0 ? c.Config.StopSignal : null,
        ExposedPorts = c.Config.ExposedPorts.Count > 0 ? c.Config.ExposedPorts.ToDictionary(p => p, _ => EmptyObject.Instance) : null,
    };
}
