using System.Formats.Tar;
using Kist.Content;
using Kist.Engine.IO;
using Kist.Layers.Compression;
using Kist.Oci;

namespace Kist.Engine.Images;

/// <summary>
/// <c>kist import</c>: a root filesystem tarball (plain, gzip or zstd) becomes a one-layer image. The
/// tarball is stored as it came, in one pass that also checks it is a tar and computes its diff ID.
/// </summary>
public sealed class ImageImporter(ImageStore store)
{
    public async Task<Digest> ImportAsync(Stream input, ImportOptions options, CancellationToken cancellationToken = default)
    {
        var reference = options.Reference is null ? null : ImageService.ParseTarget(options.Reference);
        var containerConfig = ConfigChanges.Apply(new ContainerConfig(), options.Changes);
        var platform = Platform.Normalize(options.Platform ?? Platform.Host);

        using var gcLock = FileLock.Shared(store.Layout.GcLock);
        await using var layerWriter = await store.Content.OpenWriterAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var (compression, diffId) = await StoreLayerAsync(input, layerWriter.Stream, cancellationToken).ConfigureAwait(false);
        var layer = await layerWriter.SealAsync(MediaTypes.OciLayerFor(compression), cancellationToken).ConfigureAwait(false);

        var now = DateTimeOffset.UtcNow;
        string comment = options.Message ?? "Imported from " + options.Source;
        var config = new ImageConfig
        {
            Comment = comment,
            Created = now,
            Architecture = platform.Architecture,
            Os = platform.Os,
            Variant = platform.Variant,
            Config = containerConfig,
            RootFs = new RootFs { DiffIds = [diffId] },
            History = [new HistoryEntry { Created = now, CreatedBy = "", Comment = comment }],
        };
        var configBytes = OciDocuments.Serialize(config, OciJsonContext.Default.ImageConfig);
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Digest.Compute(configBytes), Size = configBytes.Length },
            Layers = [layer],
        };
        var manifestBytes = OciDocuments.Serialize(manifest, OciJsonContext.Default.ImageManifest);

        await layerWriter.CommitAsync(layer.MediaType, cancellationToken).ConfigureAwait(false);
        await store.Content.PutAsync(configBytes, MediaTypes.OciConfig, cancellationToken).ConfigureAwait(false);
        var target = await store.Content.PutAsync(manifestBytes, MediaTypes.OciManifest, cancellationToken).ConfigureAwait(false);
        store.Update(index =>
        {
            if (reference is null) index.AddUnnamed(target);
            else index.SetReference(reference, target);
            return 0;
        });
        return manifest.Config.Digest;
    }

    /// <summary>Copies the input into the blob while reading it as a tar, returning its compression and diff ID.</summary>
    private static async Task<(Oci.Compression, Digest)> StoreLayerAsync(Stream input, Stream blob, CancellationToken cancellationToken)
    {
        var stored = new TeeReadStream(input, blob);
        var (compression, decompressed) = await CompressionDetector.OpenDecompressedAsync(stored, cancellationToken).ConfigureAwait(false);
        await using var diffHash = new DigestingWriteStream(Stream.Null);
        var hashed = new TeeReadStream(decompressed, diffHash);
        try
        {
            await using (var reader = new TarReader(hashed, leaveOpen: true))
            {
                while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is not null) { }
            }
            await hashed.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentException)
        {
            throw new InvalidInputException($"the input is not a valid tar archive: {e.Message}", e);
        }
        if (hashed.BytesRead < 512) throw new InvalidInputException("the input is not a tar archive: it is empty");
        await stored.DrainAsync(cancellationToken).ConfigureAwait(false);
        return (compression, diffHash.GetDigest());
    }
}
