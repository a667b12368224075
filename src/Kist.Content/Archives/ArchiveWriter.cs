using System.Formats.Tar;
using System.Text.Json;
using Kist.Oci;

namespace Kist.Content.Archives;

/// <summary>
/// Writes images as a docker-archive (loadable by <c>docker load</c>; also a valid OCI layout, as docker 25
/// writes it) or as an oci-archive. Blobs are streamed from the store and verified as they are read.
/// </summary>
public sealed class ArchiveWriter(ImageStore images)
{
    private static readonly DateTimeOffset FixedTime = DateTimeOffset.UnixEpoch;

    public async Task WriteAsync(Stream output, IReadOnlyList<(LocalImage Image, IReadOnlyList<ImageReference> Names)> selection,
        ArchiveFormat format, CancellationToken cancellationToken = default)
    {
        await using var tar = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true);
        await WriteDirectoryAsync(tar, "blobs/", cancellationToken).ConfigureAwait(false);
        await WriteDirectoryAsync(tar, "blobs/sha256/", cancellationToken).ConfigureAwait(false);
        var written = new HashSet<Digest>();
        var indexEntries = new List<Descriptor>();
        var dockerManifest = new List<DockerArchiveManifestEntry>();
        foreach (var (image, names) in selection)
        {
            var manifest = image.Manifest.Value;
            foreach (var blob in manifest.Layers.Prepend(manifest.Config).Append(image.ManifestDescriptor with { Annotations = null, Platform = null }))
            {
                if (!written.Add(blob.Digest)) continue;
                await WriteBlobAsync(tar, blob, cancellationToken).ConfigureAwait(false);
            }
            foreach (var name in names.DefaultIfEmpty())
            {
                indexEntries.Add(image.ManifestDescriptor with
                {
                    Platform = null,
                    Annotations = name is null ? null : new Dictionary<string, string>
                    {
                        [AnnotationKeys.ContainerdImageName] = name.ToString(),
                        [AnnotationKeys.RefName] = name.Tag ?? name.ToString(),
                    },
                });
            }
            dockerManifest.Add(new DockerArchiveManifestEntry
            {
                Config = BlobPath(manifest.Config.Digest),
                RepoTags = names.Where(n => n.Tag is not null).Select(n => n.ToFamiliarString()).ToList(),
                Layers = manifest.Layers.Select(l => BlobPath(l.Digest)).ToList(),
            });
        }
        await WriteFileAsync(tar, ImageLayoutFile.FileName,
            OciDocuments.Serialize(new ImageLayoutFile { ImageLayoutVersion = ImageLayoutFile.CurrentVersion }, OciJsonContext.Default.ImageLayoutFile), cancellationToken).ConfigureAwait(false);
        await WriteFileAsync(tar, "index.json",
            OciDocuments.Serialize(new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = indexEntries }, OciJsonContext.Default.ImageIndex), cancellationToken).ConfigureAwait(false);
        if (format == ArchiveFormat.DockerArchive)
        {
            await WriteFileAsync(tar, "manifest.json",
                JsonSerializer.SerializeToUtf8Bytes(dockerManifest, OciJsonContext.Default.ListDockerArchiveManifestEntry), cancellationToken).ConfigureAwait(false);
        }
    }

    private static string BlobPath(Digest digest) => $"blobs/{digest.Algorithm}/{digest.Encoded}";

    private async Task WriteBlobAsync(TarWriter tar, Descriptor blob, CancellationToken cancellationToken)
    {
        await using var data = await images.Content.OpenReadAsync(blob, cancellationToken).ConfigureAwait(false);
        var entry = new UstarTarEntry(TarEntryType.RegularFile, BlobPath(blob.Digest))
        {
            DataStream = data,
            Mode = (UnixFileMode)Convert.ToInt32("644", 8),
            ModificationTime = FixedTime,
        };
        await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    private static Task WriteDirectoryAsync(TarWriter tar, string name, CancellationToken cancellationToken) =>
        tar.WriteEntryAsync(new UstarTarEntry(TarEntryType.Directory, name)
        {
            Mode = (UnixFileMode)Convert.ToInt32("755", 8),
            ModificationTime = FixedTime,
        }, cancellationToken);

    private static async Task WriteFileAsync(TarWriter tar, string name, byte[] content, CancellationToken cancellationToken)
    {
        using var data = new MemoryStream(content, writable: false);
        await tar.WriteEntryAsync(new UstarTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = data,
            Mode = (UnixFileMode)Convert.ToInt32("644", 8),
            ModificationTime = FixedTime,
        }, cancellationToken).ConfigureAwait(false);
    }
}
