using Kist.Oci;

namespace Kist.Content;

/// <summary>One line of <c>index.json</c>: a reference (tag or digest) naming an image, or an unnamed (dangling) image.</summary>
public sealed record IndexEntry(Descriptor Target, ImageReference? Reference);

/// <summary>
/// Names to images, kept in the layout's <c>index.json</c>: one entry per reference, with the full
/// normalized name in <c>org.opencontainers.image.ref.name</c> (so <c>skopeo inspect oci:ROOT:NAME</c>
/// finds it), and one entry without a name for each image that has lost all its names.
/// </summary>
public sealed class ImageStore(StoreLayout layout, LocalContentStore content)
{
    public LocalContentStore Content => content;
    public StoreLayout Layout => layout;

    public IReadOnlyList<IndexEntry> ReadIndex() => ToEntries(ReadIndexDocument());

    /// <summary>Rewrites index.json under the index lock; readers see the old or the new file, never a mix.</summary>
    public T Update<T>(Func<IndexEditor, T> edit)
    {
        using var _ = FileLock.Exclusive(layout.IndexLock);
        var editor = new IndexEditor(ToEntries(ReadIndexDocument()));
        T result = edit(editor);
        if (editor.Changed) WriteIndex(editor.Entries);
        return result;
    }

    /// <summary>Loads an image (a manifest, or the host platform's manifest of an index) with its config.</summary>
    public async ValueTask<LocalImage> LoadImageAsync(Descriptor target, CancellationToken cancellationToken = default)
    {
        var bytes = await content.ReadAllAsync(target, cancellationToken).ConfigureAwait(false);
        string? mediaType = OciDocuments.DetectMediaType(bytes) ?? target.MediaType;
        Parsed<ImageIndex>? index = null;
        Descriptor manifestDescriptor = target;
        if (MediaTypes.IsIndex(mediaType))
        {
            index = OciDocuments.ParseIndex(bytes);
            manifestDescriptor = SelectPlatform(index.Value) ?? throw new NotFoundException(
                $"image {target.Digest} has no manifest for {Platform.Host} in the store");
            bytes = await content.ReadAllAsync(manifestDescriptor, cancellationToken).ConfigureAwait(false);
        }
        else if (!MediaTypes.IsManifest(mediaType))
        {
            throw new InvalidInputException($"{target.Digest} is not an image manifest ({mediaType})");
        }
        var manifest = OciDocuments.ParseManifest(bytes);
        var configBytes = await content.ReadAllAsync(manifest.Value.Config, cancellationToken).ConfigureAwait(false);
        var config = OciDocuments.ParseConfig(configBytes);
        return new LocalImage(target, index, manifestDescriptor, manifest, config);
    }

    private Descriptor? SelectPlatform(ImageIndex index)
    {
        var present = index.Manifests.Where(m => MediaTypes.IsManifest(m.MediaType) && content.Exists(m.Digest)).ToList();
        return present.FirstOrDefault(m => m.Platform is { } p && Platform.Host.Matches(p))
            ?? present.FirstOrDefault(m => m.Platform is null)
            ?? present.FirstOrDefault();
    }

    private ImageIndex ReadIndexDocument()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(layout.IndexFile);
        }
        catch (FileNotFoundException)
        {
            return new ImageIndex { Manifests = [] };
        }
        try
        {
            return OciDocuments.ReadIndex(bytes);
        }
        catch (InvalidInputException e)
        {
            throw new KistException($"the store's index.json is corrupt: {e.Message}", e);
        }
    }

    private static List<IndexEntry> ToEntries(ImageIndex index) =>
        index.Manifests.Select(d => new IndexEntry(d, ParseName(d))).ToList();

    private static ImageReference? ParseName(Descriptor d) =>
        d.Annotation(AnnotationKeys.RefName) is { } name && ImageReference.TryParse(name, out var reference) ? reference : null;

    private void WriteIndex(IReadOnlyList<IndexEntry> entries)
    {
        var index = new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests = entries.Select(e => e.Target with { Annotations = e.Reference is null ? null : NameAnnotations(e.Reference) }).ToList(),
        };
        string temp = Path.Combine(layout.IngestDirectory, "index-" + Guid.NewGuid().ToString("N"));
        using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(OciDocuments.Serialize(index, OciJsonContext.Default.ImageIndex));
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, layout.IndexFile, overwrite: true);
    }

    private static Dictionary<string, string> NameAnnotations(ImageReference reference) => new()
    {
        [AnnotationKeys.RefName] = reference.ToString(),
        [AnnotationKeys.ContainerdImageName] = reference.ToString(),
    };
}

/// <summary>Changes to the name table, made under the index lock.</summary>
public sealed class IndexEditor(List<IndexEntry> entries)
{
    public IReadOnlyList<IndexEntry> Entries => entries;
    public bool Changed { get; private set; }

    public IndexEntry? Find(ImageReference reference) =>
        entries.FirstOrDefault(e => e.Reference is not null && e.Reference.ToString() == reference.ToString());

    public IEnumerable<IndexEntry> EntriesFor(Digest target) => entries.Where(e => e.Target.Digest == target);

    /// <summary>Points a name at an image. The image it named before keeps an unnamed entry if it has no other name.</summary>
    public void SetReference(ImageReference reference, Descriptor target)
    {
        var previous = Find(reference);
        if (previous is not null)
        {
            if (previous.Target.Digest == target.Digest) return;
            entries.Remove(previous);
            KeepIfUnnamed(previous.Target);
        }
        entries.RemoveAll(e => e.Reference is null && e.Target.Digest == target.Digest);
        entries.Add(new IndexEntry(Clean(target), reference));
        Changed = true;
    }

    /// <summary>Records an image that has no name (a load or import without a tag), unless it has one already.</summary>
    public void AddUnnamed(Descriptor target)
    {
        if (entries.Any(e => e.Target.Digest == target.Digest)) return;
        entries.Add(new IndexEntry(Clean(target), null));
        Changed = true;
    }

    /// <summary>Removes one name; returns the entry, or null if the name was not there.</summary>
    public IndexEntry? RemoveReference(ImageReference reference)
    {
        var entry = Find(reference);
        if (entry is null) return null;
        entries.Remove(entry);
        Changed = true;
        return entry;
    }

    /// <summary>Removes every entry of an image (its names and its unnamed entry).</summary>
    public int RemoveTarget(Digest target)
    {
        int removed = entries.RemoveAll(e => e.Target.Digest == target);
        Changed |= removed > 0;
        return removed;
    }

    private void KeepIfUnnamed(Descriptor target)
    {
        if (!entries.Any(e => e.Target.Digest == target.Digest)) entries.Add(new IndexEntry(Clean(target), null));
    }

    private static Descriptor Clean(Descriptor d) => d with { Annotations = null };
}
