using System.Text.RegularExpressions;
using Kist.Content;
using Kist.Content.Archives;
using Kist.Layers.Compression;
using Kist.Oci;

namespace Kist.Engine.Images;

/// <summary>
/// The image commands over one store: list, find, tag, remove, inspect, history, save, load, prune.
/// <paramref name="users"/> lists the containers and their images, which remove and prune must keep.
/// </summary>
public sealed partial class ImageService(ImageStore store, Func<CancellationToken, Task<IReadOnlyList<ImageUser>>>? users = null)
{
    public ImageStore Store => store;

    /// <summary>
    /// Every image in the store with its names, one per image ID (manifests that share a config are one
    /// image, as in docker); images whose documents are unreadable are skipped.
    /// </summary>
    public async Task<IReadOnlyList<NamedImage>> ListAsync(CancellationToken cancellationToken = default)
    {
        var byTarget = new List<NamedImage>();
        foreach (var group in store.ReadIndex().GroupBy(e => e.Target.Digest))
        {
            LocalImage image;
            try
            {
                image = await store.LoadImageAsync(group.First().Target, cancellationToken).ConfigureAwait(false);
            }
            catch (KistException)
            {
                continue; // removed concurrently, or damaged: `kist system check` reports it
            }
            byTarget.Add(new NamedImage(image, group.Select(e => e.Reference).OfType<ImageReference>().ToList()));
        }
        return byTarget.GroupBy(i => i.Id).Select(Merge).ToList();
    }

    private static NamedImage Merge(IEnumerable<NamedImage> sameId)
    {
        var images = sameId.ToList();
        return images.Count == 1 ? images[0] : (images.FirstOrDefault(i => i.References.Count > 0) ?? images[0]) with
        {
            References = images.SelectMany(i => i.References).ToList(),
            Targets = images.SelectMany(i => i.Targets).ToList(),
        };
    }

    /// <summary>
    /// Finds an image as docker does: by name (<c>busybox</c>, <c>busybox:1</c>, <c>name@sha256:…</c>),
    /// by full ID (<c>sha256:…</c>) or by a unique prefix of its ID.
    /// </summary>
    public async Task<NamedImage> FindAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        var images = await ListAsync(cancellationToken).ConfigureAwait(false);
        string id = nameOrId.StartsWith("sha256:", StringComparison.Ordinal) ? nameOrId[7..] : nameOrId;
        if (nameOrId.StartsWith("sha256:", StringComparison.Ordinal) || !ImageReference.TryParse(nameOrId, out var reference))
        {
            return FindById(images, id) ?? throw NoSuchImage(nameOrId);
        }
        var byName = images.FirstOrDefault(i => i.References.Any(r => r.ToString() == reference!.ToString()));
        if (byName is not null) return byName;
        if (reference!.Digest is { } digest)
        {
            // name@digest also finds an image pulled by tag whose manifest has that digest.
            var byDigest = images.FirstOrDefault(i => i.Targets.Contains(digest)
                && i.References.Any(r => r.Repository == reference.Repository));
            if (byDigest is not null) return byDigest;
        }
        return FindById(images, id) ?? throw NoSuchImage(reference.Digest is null && !nameOrId.Contains(':') ? reference.ToFamiliarString() : nameOrId);
    }

    /// <summary>
    /// The image <see cref="FindAsync"/> finds, without its names: by name it reads only that image's documents,
    /// where <see cref="FindAsync"/> reads every image's to gather the names of each (a container start among 30
    /// images paid for all of them).
    /// </summary>
    public async Task<LocalImage> ResolveAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        if (!nameOrId.StartsWith("sha256:", StringComparison.Ordinal) && ImageReference.TryParse(nameOrId, out var reference))
        {
            string name = reference!.ToString();
            if (store.ReadIndex().FirstOrDefault(e => e.Reference?.ToString() == name) is { } entry)
            {
                try { return await store.LoadImageAsync(entry.Target, cancellationToken).ConfigureAwait(false); }
                catch (KistException) { } // removed concurrently, or damaged: the full lookup decides
            }
        }
        return (await FindAsync(nameOrId, cancellationToken).ConfigureAwait(false)).Image;
    }

    private static NamedImage? FindById(IReadOnlyList<NamedImage> images, string idPrefix)
    {
        if (idPrefix.Length == 0 || idPrefix.Length > 64 || !HexRegex().IsMatch(idPrefix)) return null;
        var matches = images.Where(i => i.Id.Encoded.StartsWith(idPrefix, StringComparison.Ordinal)).ToList();
        if (matches.Count > 1) throw new ConflictException($"ambiguous image ID prefix \"{idPrefix}\": it matches several images");
        return matches.SingleOrDefault();
    }

    private static ImageNotFoundException NoSuchImage(string what) => new($"No such image: {what}");

    public async Task TagAsync(string source, string target, CancellationToken cancellationToken = default)
    {
        var image = await FindAsync(source, cancellationToken).ConfigureAwait(false);
        var reference = ParseTarget(target);
        store.Update(index =>
        {
            // The image may have been removed since it was found: tag only what is still there.
            if (!index.EntriesFor(image.Image.Target.Digest).Any()) throw NoSuchImage(source);
            index.SetReference(reference, image.Image.Target);
            return 0;
        });
    }

    /// <summary>Parses a name to give an image: a tag, never a digest.</summary>
    public static ImageReference ParseTarget(string target)
    {
        var reference = ImageReference.Parse(target);
        if (reference.Digest is not null) throw new InvalidInputException($"refusing to create a tag with a digest reference: \"{target}\"");
        return reference;
    }

    /// <summary>
    /// <c>docker rmi</c>: a name is untagged, and the image is deleted when no tag is left; an ID deletes the
    /// image with all its names, which needs <paramref name="force"/> when they span several repositories.
    /// An image that containers use is refused as docker refuses it: its last name and a stopped container's
    /// image only with <paramref name="force"/>, a running container's image never (forced, its name goes).
    /// </summary>
    public async Task<RemoveResult> RemoveAsync(string nameOrId, bool force, CancellationToken cancellationToken = default)
    {
        var image = await FindAsync(nameOrId, cancellationToken).ConfigureAwait(false);
        bool byName = image.References.Any(r => Matches(r, nameOrId));
        var inUse = users is null ? [] : (await users(cancellationToken).ConfigureAwait(false)).Where(u => u.ImageId == image.Id).ToList();
        var untagged = new List<string>();
        var deleted = new List<Digest>();
        store.Update(index =>
        {
            var entries = index.Entries.Where(e => image.Targets.Contains(e.Target.Digest)).ToList();
            var names = entries.Select(e => e.Reference).OfType<ImageReference>().ToList();
            if (byName)
            {
                var name = names.First(r => Matches(r, nameOrId));
                bool last = !names.Any(r => r != name && r.Tag is not null);
                if (last && !force && inUse.Count > 0)
                {
                    throw new ConflictException($"conflict: unable to remove repository reference \"{name.ToFamiliarString()}\" (must force) - container {inUse[0].ShortId} is using its referenced image {image.Id.Short}");
                }
                var entry = index.RemoveReference(name)!;
                untagged.Add(name.ToFamiliarString());
                names.Remove(name);
                if (!last) return 0;
                if (inUse.Any(u => u.Running))
                {
                    index.AddUnnamed(entry.Target); // a running container's image stays, dangling
                    return 0;
                }
            }
            else if (Conflict(image, inUse, force) is { } conflict)
            {
                throw new ConflictException(conflict);
            }
            else if (!force && names.Where(r => r.Tag is not null).Select(r => r.Repository).Distinct().Count() > 1)
            {
                throw new ConflictException($"conflict: unable to delete {image.Id.Short} (must be forced) - image is referenced in multiple repositories");
            }
            foreach (var name in names)
            {
                index.RemoveReference(name);
                untagged.Add(name.ToFamiliarString());
            }
            foreach (var target in entries.Select(e => e.Target.Digest).Distinct()) index.RemoveTarget(target);
            deleted.Add(image.Id);
            return 0;
        });
        if (deleted.Count > 0) await new GarbageCollector(store).TryCollectAsync(cancellationToken).ConfigureAwait(false);
        return new RemoveResult(untagged, deleted);
    }

    /// <summary>docker's refusal to delete an image by ID: never under a running container, under a stopped one unless forced.</summary>
    private static string? Conflict(NamedImage image, IReadOnlyList<ImageUser> inUse, bool force) =>
        inUse.FirstOrDefault(u => u.Running) is { } running
            ? $"conflict: unable to delete {image.Id.Short} (cannot be forced) - image is being used by running container {running.ShortId}"
            : !force && inUse.FirstOrDefault() is { } stopped
            ? $"conflict: unable to delete {image.Id.Short} (must be forced) - image is being used by stopped container {stopped.ShortId}"
            : null;

    private static bool Matches(ImageReference reference, string nameOrId) =>
        ImageReference.TryParse(nameOrId, out var parsed) && parsed!.ToString() == reference.ToString();

    public async Task<IReadOnlyList<HistoryRow>> HistoryAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        var image = await FindAsync(nameOrId, cancellationToken).ConfigureAwait(false);
        var config = image.Image.ConfigValue;
        var layers = image.Image.Manifest.Value.Layers;
        var rows = new List<HistoryRow>();
        int layer = 0;
        foreach (var entry in config.History ?? [])
        {
            long size = 0;
            if (entry.EmptyLayer != true && layer < layers.Count) size = layers[layer++].Size;
            rows.Add(new HistoryRow("<missing>", entry.Created, entry.CreatedBy ?? "", size, entry.Comment ?? ""));
        }
        if (rows.Count == 0) rows.Add(new HistoryRow("", config.Created, "", image.Image.Size, ""));
        rows.Reverse();
        rows[0] = rows[0] with { Id = image.Id.ToString() };
        return rows;
    }

    /// <summary>
    /// Writes images to an archive with the names docker would give them there: the tag named, every
    /// tag of the repository for a bare repository name, none for an image named by ID.
    /// </summary>
    public async Task SaveAsync(IReadOnlyList<string> namesOrIds, Stream output, ArchiveFormat format, CancellationToken cancellationToken = default)
    {
        var selection = new List<(LocalImage, IReadOnlyList<ImageReference>)>();
        var images = await ListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var nameOrId in namesOrIds)
        {
            if (!nameOrId.StartsWith("sha256:", StringComparison.Ordinal) && ImageReference.TryParse(nameOrId, out _)
                && ImageReference.ParseRepository(nameOrId) is { Tag: null, Digest: null } repository)
            {
                var tagged = images
                    .Select(i => (i.Image, Tags: (IReadOnlyList<ImageReference>)i.Tags.Where(t => t.Repository == repository.Repository).ToList()))
                    .Where(s => s.Tags.Count > 0)
                    .ToList();
                if (tagged.Count > 0)
                {
                    selection.AddRange(tagged);
                    continue;
                }
            }
            var image = await FindAsync(nameOrId, cancellationToken).ConfigureAwait(false);
            selection.Add((image.Image, image.Tags.Where(r => Matches(r, nameOrId)).ToList()));
        }
        await new ArchiveWriter(store).WriteAsync(output, selection, format, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<ArchiveImage>> LoadAsync(Stream input, CancellationToken cancellationToken = default) =>
        new ArchiveLoader(store, CompressionDetector.OpenDecompressedAsync).LoadAsync(input, cancellationToken);

    /// <summary>
    /// Removes dangling images (with <paramref name="all"/>: every image) that no container uses, then
    /// unreferenced blobs.
    /// </summary>
    public async Task<PruneResult> PruneAsync(bool all, CancellationToken cancellationToken = default)
    {
        var images = await ListAsync(cancellationToken).ConfigureAwait(false);
        var used = users is null ? [] : (await users(cancellationToken).ConfigureAwait(false)).Select(u => u.ImageId).ToHashSet();
        var candidates = images.Where(i => (all || i.IsDangling) && !used.Contains(i.Id)).ToList();
        var deleted = store.Update(index =>
        {
            var removed = new List<Digest>();
            foreach (var image in candidates)
            {
                // Re-check under the lock: a concurrent tag may have named it since it was listed.
                if (!all && image.Targets.Any(t => index.EntriesFor(t).Any(e => e.Reference is not null))) continue;
                if (image.Targets.Sum(index.RemoveTarget) > 0) removed.Add(image.Id);
            }
            return removed;
        });
        var gc = await new GarbageCollector(store).CollectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return new PruneResult(deleted.Distinct().ToList(), gc.ReclaimedBytes);
    }

    public async Task<DiskUsageRow> DiskUsageAsync(CancellationToken cancellationToken = default)
    {
        var images = await ListAsync(cancellationToken).ConfigureAwait(false);
        var used = users is null ? [] : (await users(cancellationToken).ConfigureAwait(false)).Select(u => u.ImageId).ToHashSet();
        var active = images.Where(i => used.Contains(i.Id)).ToList();
        // What removing every unused image would free: all blobs but those the used images need, shared ones once.
        var kept = active.SelectMany(i => i.Targets.Append(i.Image.ManifestDescriptor.Digest).Append(i.Id)
            .Concat(i.Image.Manifest.Value.Layers.Select(l => l.Digest))).ToHashSet();
        long total = 0, keptBytes = 0;
        await foreach (var blob in store.Content.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            total += blob.Size;
            if (kept.Contains(blob.Digest)) keptBytes += blob.Size;
        }
        return new DiskUsageRow(images.Count, active.Count, total, total - keptBytes);
    }

    [GeneratedRegex("^[a-f0-9]+$")]
    private static partial Regex HexRegex();
}
