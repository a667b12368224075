using System.Security.Cryptography;
using System.Text.Json;
using Kist.Oci;

namespace Kist.Content.Archives;

/// <summary>
/// Loads what <c>docker save</c>, <c>kist save</c> and <c>skopeo copy … docker-archive:|oci-archive:</c>
/// produce, compressed or not. Nothing becomes visible unless the whole archive is valid: every blob is
/// staged and verified first, then committed, then named.
/// </summary>
public sealed class ArchiveLoader(ImageStore images, OpenDecompressed openDecompressed)
{
    public async Task<IReadOnlyList<ArchiveImage>> LoadAsync(Stream input, CancellationToken cancellationToken = default)
    {
        using var gcLock = FileLock.Shared(images.Layout.GcLock);
        var (_, tarStream) = await openDecompressed(input, cancellationToken).ConfigureAwait(false);
        await using var staged = await StagedArchive.ReadAsync(tarStream, images.Content, cancellationToken).ConfigureAwait(false);

        var plan = new CommitPlan();
        var loaded = staged.Contains("manifest.json")
            ? await ReadDockerArchiveAsync(staged, plan, cancellationToken).ConfigureAwait(false)
            : staged.Contains("index.json")
                ? await ReadOciArchiveAsync(staged, plan, cancellationToken).ConfigureAwait(false)
                : throw new InvalidInputException("the archive has neither manifest.json (docker-archive) nor index.json (oci-archive)");
        if (loaded.Count == 0) throw new InvalidInputException("the archive holds no image");

        foreach (var (file, mediaType) in plan.Staged.Values)
        {
            await file.Writer.CommitAsync(mediaType, cancellationToken).ConfigureAwait(false);
        }
        foreach (var (bytes, mediaType) in plan.Generated)
        {
            await images.Content.PutAsync(bytes, mediaType, cancellationToken).ConfigureAwait(false);
        }
        images.Update(index =>
        {
            foreach (var image in loaded)
            {
                if (image.Names.Count == 0) index.AddUnnamed(image.Target);
                foreach (var name in image.Names) index.SetReference(name, image.Target);
            }
            return 0;
        });
        return loaded;
    }

    /// <summary>What a valid archive adds to the store: staged blobs, and manifests made for docker-archive images.</summary>
    private sealed class CommitPlan
    {
        public Dictionary<Digest, (StagedArchive.StagedFile File, string MediaType)> Staged { get; } = [];
        public List<(byte[] Bytes, string MediaType)> Generated { get; } = [];
    }

    private async Task<List<ArchiveImage>> ReadDockerArchiveAsync(StagedArchive staged,
        CommitPlan plan, CancellationToken cancellationToken)
    {
        var manifestBytes = await staged.ReadSmallAsync(staged.Get("manifest.json", "file"), cancellationToken).ConfigureAwait(false);
        List<DockerArchiveManifestEntry> entries;
        try
        {
            entries = JsonSerializer.Deserialize(manifestBytes, OciJsonContext.Default.ListDockerArchiveManifestEntry) ?? [];
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"malformed manifest.json: {e.Message}", e);
        }
        var result = new List<ArchiveImage>();
        foreach (var entry in entries)
        {
            var configFile = staged.Get(entry.Config, "config");
            var config = OciDocuments.ParseConfig(await staged.ReadSmallAsync(configFile, cancellationToken).ConfigureAwait(false));
            var diffIds = config.Value.RootFs.DiffIds;
            if (diffIds.Count != entry.Layers.Count)
            {
                throw new InvalidInputException($"image {config.Digest}: the config lists {diffIds.Count} layers, manifest.json {entry.Layers.Count}");
            }
            var layers = new List<Descriptor>();
            bool anyZstd = false;
            for (int i = 0; i < entry.Layers.Count; i++)
            {
                var layerFile = staged.Get(entry.Layers[i], "layer");
                var (compression, diffId) = await DiffIdAsync(layerFile, cancellationToken).ConfigureAwait(false);
                if (diffId != diffIds[i])
                {
                    throw new DigestMismatchException($"layer \"{entry.Layers[i]}\" has diff ID {diffId}, but the image config says {diffIds[i]}");
                }
                anyZstd |= compression == Compression.Zstd;
                layers.Add(new Descriptor { MediaType = MediaTypes.DockerLayerFor(compression), Digest = layerFile.Descriptor.Digest, Size = layerFile.Descriptor.Size });
            }
            // Docker schema 2 has no zstd layer type: such images get an OCI manifest.
            var manifest = anyZstd
                ? new ImageManifest
                {
                    MediaType = MediaTypes.OciManifest,
                    Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = config.Digest, Size = config.Bytes.Length },
                    Layers = layers.Select(l => l with { MediaType = MediaTypes.OciLayerFor(MediaTypes.LayerCompression(l.MediaType) ?? Compression.None) }).ToList(),
                }
                : new ImageManifest
                {
                    MediaType = MediaTypes.DockerManifest,
                    Config = new Descriptor { MediaType = MediaTypes.DockerConfig, Digest = config.Digest, Size = config.Bytes.Length },
                    Layers = layers,
                };
            var bytes = OciDocuments.Serialize(manifest, OciJsonContext.Default.ImageManifest);
            var target = new Descriptor { MediaType = manifest.MediaType!, Digest = Digest.Compute(bytes), Size = bytes.Length };
            plan.Generated.Add((bytes, target.MediaType));
            plan.Staged[config.Digest] = (configFile, manifest.Config.MediaType);
            foreach (var (layer, path) in manifest.Layers.Zip(entry.Layers)) plan.Staged[layer.Digest] = (staged.Get(path, "layer"), layer.MediaType);
            var names = (entry.RepoTags ?? []).Select(ParseName).ToList();
            result.Add(new ArchiveImage(config.Digest, target, names));
        }
        return result;
    }

    /// <summary>The uncompressed digest of a staged layer: its own digest when it is a plain tar.</summary>
    private async Task<(Compression, Digest)> DiffIdAsync(StagedArchive.StagedFile layer, CancellationToken cancellationToken)
    {
        await using var stream = layer.Writer.OpenSealed();
        var (compression, decompressed) = await openDecompressed(stream, cancellationToken).ConfigureAwait(false);
        if (compression == Compression.None) return (compression, layer.Descriptor.Digest);
        await using (decompressed)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 20];
            int n;
            while ((n = await decompressed.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0) hash.AppendData(buffer, 0, n);
            return (compression, Digest.FromHash(Digest.Sha256, hash.GetCurrentHash()));
        }
    }

    private async Task<List<ArchiveImage>> ReadOciArchiveAsync(StagedArchive staged,
        CommitPlan plan, CancellationToken cancellationToken)
    {
        var index = OciDocuments.ParseIndex(await staged.ReadSmallAsync(staged.Get("index.json", "file"), cancellationToken).ConfigureAwait(false));
        var result = new List<ArchiveImage>();
        foreach (var descriptor in index.Value.Manifests)
        {
            var id = await CollectAsync(staged, descriptor, plan, depth: 0, cancellationToken).ConfigureAwait(false);
            if (id is null) throw new InvalidInputException($"index.json names {descriptor.Digest}, which the archive does not hold");
            var names = new List<ImageReference>();
            if (OciArchiveName(descriptor) is { } name) names.Add(ParseName(name));
            result.Add(new ArchiveImage(id.Value, descriptor with { Annotations = null }, names));
        }
        return result;
    }

    /// <summary>
    /// Verifies a manifest or index and everything it needs, marks it all for commit, and returns
    /// the image ID (for an index: of the host platform's manifest, else the first one present).
    /// Returns null when the archive does not hold the document (allowed for an index's children).
    /// </summary>
    private async Task<Digest?> CollectAsync(StagedArchive staged, Descriptor descriptor,
        CommitPlan plan, int depth, CancellationToken cancellationToken)
    {
        if (depth > 8) throw new InvalidInputException("image indexes nest too deeply");
        var file = staged.TryGetBlob(descriptor.Digest);
        if (file is null) return null;
        Verify(file, descriptor);
        var bytes = await staged.ReadSmallAsync(file, cancellationToken).ConfigureAwait(false);
        string? mediaType = OciDocuments.DetectMediaType(bytes) ?? descriptor.MediaType;
        if (MediaTypes.IsSchema1(mediaType)) throw new InvalidInputException("Docker image manifest v2 schema 1 is not supported");
        if (MediaTypes.IsIndex(mediaType))
        {
            var index = OciDocuments.ParseIndex(bytes).Value;
            Digest? chosen = null;
            foreach (var child in index.Manifests)
            {
                var childId = await CollectAsync(staged, child, plan, depth + 1, cancellationToken).ConfigureAwait(false);
                if (childId is null) continue;
                if (chosen is null || (child.Platform is { } p && Platform.Host.Matches(p))) chosen = childId;
            }
            if (chosen is null) throw new InvalidInputException($"the archive holds none of the manifests of index {descriptor.Digest}");
            plan.Staged[descriptor.Digest] = (file, mediaType!);
            return chosen;
        }
        if (!MediaTypes.IsManifest(mediaType)) throw new InvalidInputException($"{descriptor.Digest} is not an image manifest ({mediaType})");
        var manifest = OciDocuments.ParseManifest(bytes).Value;
        foreach (var blob in manifest.Layers.Prepend(manifest.Config))
        {
            var blobFile = staged.TryGetBlob(blob.Digest)
                ?? throw new InvalidInputException($"manifest {descriptor.Digest} names blob {blob.Digest}, which the archive does not hold");
            Verify(blobFile, blob);
            plan.Staged[blob.Digest] = (blobFile, blob.MediaType);
        }
        var config = OciDocuments.ParseConfig(await staged.ReadSmallAsync(staged.TryGetBlob(manifest.Config.Digest)!, cancellationToken).ConfigureAwait(false));
        if (config.Value.RootFs.DiffIds.Count != manifest.Layers.Count)
        {
            throw new InvalidInputException($"manifest {descriptor.Digest} has {manifest.Layers.Count} layers, its config {config.Value.RootFs.DiffIds.Count}");
        }
        plan.Staged[descriptor.Digest] = (file, mediaType!);
        return manifest.Config.Digest;
    }

    private static void Verify(StagedArchive.StagedFile file, Descriptor expected)
    {
        if (file.Descriptor.Digest != expected.Digest || file.Descriptor.Size != expected.Size)
        {
            throw new DigestMismatchException(
                $"blob {expected.Digest} ({expected.Size} bytes) in the archive is {file.Descriptor.Digest} ({file.Descriptor.Size} bytes)");
        }
    }

    private static string? OciArchiveName(Descriptor descriptor)
    {
        if (descriptor.Annotation(AnnotationKeys.ContainerdImageName) is { } full) return full;
        // ref.name is often a bare tag ("latest") in OCI layouts; only a full reference names an image.
        return descriptor.Annotation(AnnotationKeys.RefName) is { } refName && (refName.Contains('/') || refName.Contains(':')) ? refName : null;
    }

    private static ImageReference ParseName(string name)
    {
        try
        {
            return ImageReference.Parse(name);
        }
        catch (InvalidInputException e)
        {
            throw new InvalidInputException($"the archive names an image \"{name}\": {e.Message}", e);
        }
    }
}
