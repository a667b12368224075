using Kist.Content;
using Kist.Engine.Images;
using Kist.Oci;
using Kist.Registry;
using Kist.Registry.Uploads;

namespace Kist.Engine.Distribution;

/// <summary>
/// <c>kist push</c>: the layers the registry lacks (HEAD first; mounted from another repository of the
/// same registry when a local name says it is there), in parallel and as the exact stored bytes, then
/// the config, then the manifest (the index too when all its manifests are here). The manifest's digest
/// is recorded as the image's RepoDigest.
/// </summary>
public sealed class PushService(ImageService images, DistributionOptions options)
{
    private ImageStore Store => images.Store;

    public async Task<PushResult> PushAsync(string source, string? destination, ITransferObserver observer, CancellationToken cancellationToken = default)
    {
        var image = await images.FindAsync(source, cancellationToken).ConfigureAwait(false);
        var reference = ImageReference.Parse(destination ?? source);
        if (reference.Digest is not null && reference.Tag is null) throw new InvalidInputException($"cannot push a digest reference: \"{destination ?? source}\"; tag the image first");
        observer.Message($"The push refers to repository [{reference.Repository}]");
        using var client = options.CreateClient(reference.Domain);
        string repository = reference.Path;
        var local = image.Image;

        var manifests = new List<(Descriptor Descriptor, Parsed<ImageManifest> Manifest)>();
        Descriptor top = local.ManifestDescriptor;
        byte[] topBytes = local.Manifest.Bytes;
        if (local.Index is { } index && index.Value.Manifests.All(m => Store.Content.Exists(m.Digest)))
        {
            foreach (var child in index.Value.Manifests)
            {
                if (!MediaTypes.IsManifest(child.MediaType)) throw new InvalidInputException($"cannot push {source}: its index holds {child.MediaType}");
                var bytes = await Store.Content.ReadAllAsync(child, cancellationToken).ConfigureAwait(false);
                manifests.Add((child, OciDocuments.ParseManifest(bytes)));
            }
            top = local.Target;
            topBytes = index.Bytes;
        }
        else
        {
            manifests.Add((local.ManifestDescriptor, local.Manifest));
        }

        var sources = MountSources(reference);
        foreach (var (descriptor, manifest) in manifests)
        {
            await PushBlobsAsync(client, repository, manifest.Value, local, sources, observer, cancellationToken).ConfigureAwait(false);
            if (manifests.Count > 1)
            {
                await client.PutManifestAsync(repository, descriptor.Digest.ToString(), manifest.Bytes, MediaTypeOf(descriptor, manifest.Bytes), cancellationToken).ConfigureAwait(false);
            }
        }
        var digest = await client.PutManifestAsync(repository, reference.Tag!, topBytes, MediaTypeOf(top, topBytes), cancellationToken).ConfigureAwait(false);
        Store.Update(edit =>
        {
            // Only while the image is still here: a concurrent rmi wins.
            if (edit.EntriesFor(local.Target.Digest).Any()) edit.SetReference(reference.WithDigest(digest), local.Target);
            return 0;
        });
        return new PushResult(reference, digest, topBytes.Length);
    }

    private async Task PushBlobsAsync(RegistryClient client, string repository, ImageManifest manifest, LocalImage local,
        Dictionary<Digest, string> sources, ITransferObserver observer, CancellationToken cancellationToken)
    {
        var diffIds = local.ConfigValue.RootFs.DiffIds;
        var layers = manifest.Layers.Select((l, i) => (Blob: l, Id: (manifest.Layers.Count == diffIds.Count ? diffIds[i] : l.Digest).Short))
            .DistinctBy(l => l.Blob.Digest).ToList();
        foreach (var layer in layers) observer.Layer(layer.Id, TransferState.Preparing);
        await Parallel.ForEachAsync(layers.AsEnumerable().Reverse(), new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
            async (layer, ct) =>
            {
                var progress = new Progress(observer, layer.Id, layer.Blob.Size);
                string? from = sources.GetValueOrDefault(layer.Blob.Digest);
                var result = await client.PushBlobAsync(repository, layer.Blob, c => Store.Content.OpenReadAsync(layer.Blob, c), progress, from, ct).ConfigureAwait(false);
                observer.Layer(layer.Id, result switch
                {
                    BlobPushResult.Existed => TransferState.LayerAlreadyExists,
                    BlobPushResult.Mounted => TransferState.MountedFrom,
                    _ => TransferState.Pushed,
                }, detail: from);
            }).ConfigureAwait(false);
        await client.PushBlobAsync(repository, manifest.Config, c => Store.Content.OpenReadAsync(manifest.Config, c), null, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Blobs known to be in another repository of the same registry: layers of images named there (pulled or pushed).</summary>
    private Dictionary<Digest, string> MountSources(ImageReference target)
    {
        var sources = new Dictionary<Digest, string>();
        foreach (var entry in Store.ReadIndex())
        {
            if (entry.Reference is not { } name || name.Domain != target.Domain || name.Path == target.Path || name.Digest is null) continue;
            try
            {
                var bytes = Store.Content.ReadAllAsync(name.Digest.Value).AsTask().GetAwaiter().GetResult();
                string? mediaType = OciDocuments.DetectMediaType(bytes);
                IEnumerable<Descriptor> manifests = MediaTypes.IsIndex(mediaType)
                    ? OciDocuments.ParseIndex(bytes).Value.Manifests.Where(m => Store.Content.Exists(m.Digest))
                    : [new Descriptor { MediaType = MediaTypes.OciManifest, Digest = name.Digest.Value, Size = bytes.Length }];
                foreach (var m in manifests)
                {
                    var manifest = OciDocuments.ParseManifest(Store.Content.ReadAllAsync(m.Digest).AsTask().GetAwaiter().GetResult()).Value;
                    foreach (var layer in manifest.Layers) sources.TryAdd(layer.Digest, name.Path);
                }
            }
            catch (KistException)
            {
                // An unreadable image only costs a mount.
            }
        }
        return sources;
    }

    private static string MediaTypeOf(Descriptor descriptor, byte[] bytes) =>
        OciDocuments.DetectMediaType(bytes) is { } declared && (MediaTypes.IsIndex(declared) || MediaTypes.IsManifest(declared)) ? declared : descriptor.MediaType;

    private sealed class Progress(ITransferObserver observer, string id, long total) : IProgress<long>
    {
        public void Report(long value) => observer.Layer(id, TransferState.Pushing, value, total);
    }
}
