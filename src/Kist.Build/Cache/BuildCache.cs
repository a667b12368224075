using System.Globalization;
using Kist.Content;
using Kist.Oci;

namespace Kist.Build.Cache;

/// <summary>
/// The persistent build cache: one record per step key, kept as an OCI index under the store's GC roots
/// (<c>ROOT/gcroots/buildcache/KEY.json</c>), so that garbage collection keeps the layers it names until
/// <c>kist builder prune</c> removes the record. A record's file time is its last use (for pruning by age and size).
/// </summary>
public sealed class BuildCache(StoreLayout layout, LocalContentStore content)
{
    private const string DiffIdKey = "io.kist.build.diffid";
    private const string CreatedKey = "io.kist.build.created";
    private const string KeyKey = "io.kist.build.key";
    private const string ChainKey = "io.kist.build.chainid";

    public string Directory => Path.Combine(layout.GcRootsDirectory, "buildcache");

    private string RecordPath(string key) => Path.Combine(Directory, key.Replace(':', '-') + ".json");

    /// <summary>The cached result of a step, when its record and layer blob are both there; a hit refreshes the record's time.</summary>
    public CacheResult? Lookup(string key)
    {
        string path = RecordPath(key);
        ImageIndex? index;
        try
        {
            index = OciDocuments.ReadIndex(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or InvalidInputException or UnauthorizedAccessException)
        {
            return null;
        }
        if (index?.Annotations is not { } annotations || !annotations.TryGetValue(CreatedKey, out var createdText)
            || !DateTimeOffset.TryParse(createdText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var created))
            return null;
        Descriptor? layer = index.Manifests.Count > 0 ? index.Manifests[0] : null;
        Digest? diffId = null;
        if (layer is not null)
        {
            if (!content.Exists(layer.Digest) || !Digest.TryParse(layer.Annotation(DiffIdKey), out var d)) return null;
            diffId = d;
            layer = layer with { Annotations = null };
        }
        try { File.SetLastWriteTimeUtc(path, DateTime.UtcNow); } catch (IOException) { }
        return new CacheResult(layer, diffId, created);
    }

    /// <summary>
    /// Writes a record atomically; <paramref name="chainId"/> names the snapshot of the state it leads to (kept by
    /// <c>kist builder prune</c> as long as the record). The caller holds the store's GC lock shared from the blob's
    /// write until now.
    /// </summary>
    public void Record(string key, CacheResult result, string? chainId = null)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var index = new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests = result.Layer is { } layer
                ? [layer with { Annotations = new Dictionary<string, string> { [DiffIdKey] = result.DiffId!.Value.ToString() } }]
                : [],
            Annotations = new Dictionary<string, string>
            {
                [KeyKey] = key,
                [CreatedKey] = result.Created.ToString("O", CultureInfo.InvariantCulture),
                [ChainKey] = chainId ?? "",
            },
        };
        string temp = Path.Combine(Directory, ".tmp-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(temp, OciDocuments.Serialize(index, OciJsonContext.Default.ImageIndex));
        File.Move(temp, RecordPath(key), overwrite: true);
    }

    /// <summary>The snapshot chain IDs the records lead to.</summary>
    public IEnumerable<string> ChainIds()
    {
        if (!System.IO.Directory.Exists(Directory)) yield break;
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            string? chain = null;
            try
            {
                chain = OciDocuments.ReadIndex(File.ReadAllBytes(file)).Annotations?.GetValueOrDefault(ChainKey);
            }
            catch (Exception e) when (e is IOException or InvalidInputException) { }
            if (!string.IsNullOrEmpty(chain)) yield return chain;
        }
    }

    /// <summary>
    /// Removes records, least recently used first, until the layers the rest keep total at most
    /// <paramref name="keepBytes"/> (all of them when null). Returns the records removed; the blobs go with the next GC.
    /// </summary>
    public int Prune(long? keepBytes)
    {
        if (!System.IO.Directory.Exists(Directory)) return 0;
        var records = new DirectoryInfo(Directory).GetFiles("*.json").OrderByDescending(f => f.LastWriteTimeUtc).ToList();
        long kept = 0;
        int removed = 0;
        var counted = new HashSet<Digest>();
        foreach (var file in records)
        {
            if (keepBytes is not null)
            {
                long size = NewLayerBytes(file, counted);
                if (kept + size <= keepBytes) { kept += size; continue; }
            }
            try { file.Delete(); removed++; } catch (IOException) { }
        }
        return removed;
    }

    /// <summary>How many records there are and the size of the layers they keep (each layer counted once).</summary>
    public (int Records, long Bytes) Usage()
    {
        if (!System.IO.Directory.Exists(Directory)) return (0, 0);
        var counted = new HashSet<Digest>();
        int records = 0;
        long bytes = 0;
        foreach (var file in new DirectoryInfo(Directory).EnumerateFiles("*.json"))
        {
            records++;
            bytes += NewLayerBytes(file, counted);
        }
        return (records, bytes);
    }

    /// <summary>The size of the layers a record names that <paramref name="counted"/> does not hold yet (then added).</summary>
    private static long NewLayerBytes(FileInfo record, HashSet<Digest> counted)
    {
        long size = 0;
        try
        {
            var index = OciDocuments.ReadIndex(File.ReadAllBytes(record.FullName));
            foreach (var d in index.Manifests) if (counted.Add(d.Digest)) size += d.Size;
        }
        catch (Exception e) when (e is IOException or InvalidInputException) { }
        return size;
    }
}
