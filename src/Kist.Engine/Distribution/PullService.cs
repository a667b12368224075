using Kist.Content;
using Kist.Oci;
using Kist.Registry;
using Kist.Registry.Manifests;

namespace Kist.Engine.Distribution;

/// <summary>
/// <c>kist pull</c>: resolves a reference (index → the platform's manifest), downloads the config and
/// the missing layers in parallel into the store, verified as they stream, and names the image by its
/// tag and by its digest (RepoDigests). The GC lock is held shared from the first blob to the names.
/// </summary>
public sealed class PullService(ImageStore store, DistributionOptions options)
{
    public async Task<IReadOnlyList<PullResult>> PullAsync(string input, PullOptions pull, ITransferObserver observer, CancellationToken cancellationToken = default)
    {
        var reference = ImageReference.Parse(input);
        using var client = options.CreateClient(reference.Domain);
        if (!pull.AllTags) return [await PullOneAsync(client, reference, pull, observer, cancellationToken).ConfigureAwait(false)];
        if (reference.Digest is not null || ImageReference.ParseRepository(input).Tag is not null)
        {
            throw new InvalidInputException("tag can't be used with --all-tags/-a");
        }
        var results = new List<PullResult>();
        foreach (var tag in await client.ListTagsAsync(reference.Path, cancellationToken).ConfigureAwait(false))
        {
            results.Add(await PullOneAsync(client, reference.WithTag(tag), pull, observer, cancellationToken).ConfigureAwait(false));
        }
        return results;
    }

    private async Task<PullResult> PullOneAsync(RegistryClient client, ImageReference reference, PullOptions pull, ITransferObserver observer, CancellationToken cancellationToken)
    {
        string tagOrDigest = reference.Digest?.ToString() ?? reference.Tag!;
        string repository = reference.Path;
        string familiar = reference.FamiliarRepository;
        observer.Message($"{tagOrDigest}: Pulling from {reference.Path}");
        using var gcLock = FileLock.Shared(store.Layout.GcLock);

        var top = await FetchManifestAsync(client, repository, tagOrDigest, cancellationToken).ConfigureAwait(false);
        var manifestResponse = top;
        if (top.IsIndex)
        {
            var index = OciDocuments.ParseIndex(top.Bytes).Value;
            var chosen = PlatformSelector.Select(index, pull.Platform ?? Platform.Host, $"{familiar}:{tagOrDigest}");
            manifestResponse = await FetchManifestAsync(client, repository, chosen.Digest.ToString(), cancellationToken).ConfigureAwait(false);
            if (manifestResponse.IsIndex) throw new InvalidInputException($"{familiar}: the index entry {chosen.Digest} is an index, not an image manifest");
        }
        var manifest = OciDocuments.ParseManifest(manifestResponse.Bytes).Value;
        if (!MediaTypes.IsImageConfig(manifest.Config.MediaType))
        {
            throw new InvalidInputException($"{familiar}:{tagOrDigest} is not a container image (its config is {manifest.Config.MediaType})");
        }
        foreach (var layer in manifest.Layers)
        {
            if (!MediaTypes.IsLayer(layer.MediaType)) throw new InvalidInputException($"{familiar}:{tagOrDigest}: unsupported layer media type {layer.MediaType}");
        }
        if (pull.Platform is { } wanted && !top.IsIndex)
        {
            var config = await DownloadConfigAsync(client, repository, manifest.Config, cancellationToken).ConfigureAwait(false);
            var actual = new Platform { Os = config.Value.Os, Architecture = config.Value.Architecture, Variant = config.Value.Variant };
            if (!wanted.Matches(actual)) throw new NotFoundException($"image with reference {reference.ToFamiliarString()} was found but its platform ({Platform.Normalize(actual)}) does not match the specified platform ({wanted})");
        }

        bool downloaded = await DownloadLayersAsync(client, repository, manifest, observer, cancellationToken).ConfigureAwait(false);
        await DownloadConfigAsync(client, repository, manifest.Config, cancellationToken).ConfigureAwait(false);
        downloaded |= await PutDocumentAsync(manifestResponse, cancellationToken).ConfigureAwait(false);
        if (top.IsIndex) downloaded |= await PutDocumentAsync(top, cancellationToken).ConfigureAwait(false);

        var target = top.Descriptor;
        var byDigest = reference.WithDigest(top.Digest);
        bool renamed = store.Update(index =>
        {
            bool changed = reference.Tag is not null && index.Find(reference)?.Target.Digest != target.Digest;
            if (reference.Tag is not null) index.SetReference(reference, target);
            changed |= index.Find(byDigest) is null;
            index.SetReference(byDigest, target);
            return changed;
        });
        return new PullResult(reference, target, manifest.Config.Digest, downloaded || renamed);
    }

    /// <summary>The manifest from the store when a HEAD shows the store has it already, else from the registry.</summary>
    private async Task<ManifestResponse> FetchManifestAsync(RegistryClient client, string repository, string reference, CancellationToken cancellationToken)
    {
        Descriptor? known = Digest.TryParse(reference, out var digest) ? null : await client.HeadManifestAsync(repository, reference, cancellationToken).ConfigureAwait(false);
        var local = known?.Digest ?? (Digest.TryParse(reference, out digest) ? digest : (Digest?)null);
        if (local is { } d && store.Content.Exists(d))
        {
            try
            {
                var bytes = await store.Content.ReadAllAsync(d, cancellationToken).ConfigureAwait(false);
                string? mediaType = OciDocuments.DetectMediaType(bytes);
                if (MediaTypes.IsIndex(mediaType) || MediaTypes.IsManifest(mediaType)) return new ManifestResponse(bytes, known?.MediaType ?? mediaType!, d);
            }
            catch (KistException)
            {
                // Damaged in the store: fetch it again.
            }
        }
        return await client.GetManifestAsync(repository, reference, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Parsed<ImageConfig>> DownloadConfigAsync(RegistryClient client, string repository, Descriptor config, CancellationToken cancellationToken)
    {
        if (config.Size > OciDocuments.MaxManifestBytes * 4) throw new InvalidInputException($"image config {config.Digest} is too large ({config.Size} bytes)");
        await new BlobDownloader(store.Content).DownloadAsync(client, repository, config, null, cancellationToken).ConfigureAwait(false);
        return OciDocuments.ParseConfig(await store.Content.ReadAllAsync(config, cancellationToken).ConfigureAwait(false));
    }

    private async Task<bool> DownloadLayersAsync(RegistryClient client, string repository, ImageManifest manifest, ITransferObserver observer, CancellationToken cancellationToken)
    {
        var downloader = new BlobDownloader(store.Content);
        var layers = manifest.Layers.DistinctBy(l => l.Digest).ToList();
        foreach (var layer in layers)
        {
            observer.Layer(layer.Digest.Short, store.Content.Exists(layer.Digest) ? TransferState.AlreadyExists : TransferState.PullingFsLayer, 0, layer.Size);
        }
        int fetched = 0;
        await Parallel.ForEachAsync(layers, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken }, async (layer, ct) =>
        {
            if (store.Content.Exists(layer.Digest)) return;
            string id = layer.Digest.Short;
            var progress = new LayerProgress(observer, id, layer.Size);
            if (await downloader.DownloadAsync(client, repository, layer, progress, ct).ConfigureAwait(false))
            {
                Interlocked.Increment(ref fetched);
                observer.Layer(id, TransferState.DownloadComplete, layer.Size, layer.Size);
            }
            observer.Layer(id, TransferState.PullComplete, layer.Size, layer.Size);
        }).ConfigureAwait(false);
        return fetched > 0;
    }

    private async Task<bool> PutDocumentAsync(ManifestResponse document, CancellationToken cancellationToken)
    {
        if (store.Content.Exists(document.Digest)) return false;
        await store.Content.PutAsync(document.Bytes, document.MediaType, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private sealed class LayerProgress(ITransferObserver observer, string id, long total) : IProgress<long>
    {
        public void Report(long value) => observer.Layer(id, TransferState.Downloading, value, total);
    }
}
