using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kist.Oci;

namespace Kist.Content.Tests.Support;

/// <summary>Builds docker-archives and oci-archives as entry lists (so that tests can break them) and as bytes.</summary>
public static class TestArchives
{
    public static string LegacyId(int i, string seed = "") => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("layer-id-" + seed + i)));

    /// <summary>docker save before 25: <c>&lt;id&gt;/layer.tar</c>, <c>&lt;config hex&gt;.json</c>, manifest.json, repositories. Repeated layers are symlinks to the first copy.</summary>
    public static List<Entry> DockerLegacy(TestImage image, IReadOnlyList<string>? repoTags = null, bool symlinkRepeatedLayers = true)
    {
        var entries = new List<Entry>();
        var layerPaths = new List<string>();
        var firstPathOf = new Dictionary<Digest, string>();
        for (int i = 0; i < image.LayerTars.Count; i++)
        {
            string id = LegacyId(i, image.Id.Encoded);
            string path = id + "/layer.tar";
            layerPaths.Add(path);
            entries.Add(Entry.Dir(id + "/"));
            entries.Add(Entry.File(id + "/VERSION", "1.0"));
            entries.Add(Entry.File(id + "/json", "{\"id\":\"" + id + "\"}"));
            var diffId = Digest.Compute(image.Layers[i].Bytes);
            if (symlinkRepeatedLayers && firstPathOf.TryGetValue(diffId, out var first))
            {
                entries.Add(Entry.Symlink(path, "../" + first));
            }
            else
            {
                entries.Add(Entry.File(path, image.Layers[i].Bytes));
                firstPathOf[diffId] = path;
            }
        }
        entries.Add(Entry.File(image.Id.Encoded + ".json", image.ConfigBytes));
        entries.Add(Entry.File("manifest.json", ManifestJson(image.Id.Encoded + ".json", repoTags, layerPaths)));
        return entries;
    }

    /// <summary>docker save since 25: an OCI layout with manifest.json whose paths are blobs/sha256/….</summary>
    public static List<Entry> DockerModern(TestImage image, IReadOnlyList<string>? repoTags = null)
    {
        var entries = OciBlobs(image);
        entries.Add(Entry.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"));
        entries.Add(Entry.File("index.json", IndexJson(image.ManifestDescriptor, repoTags?.FirstOrDefault())));
        entries.Add(Entry.File("manifest.json", ManifestJson(BlobPath(image.Id), repoTags, image.Layers.Select(l => BlobPath(l.Descriptor.Digest)).ToList())));
        return entries;
    }

    /// <summary>An oci-archive: oci-layout, index.json (naming the image with io.containerd.image.name when given), blobs.</summary>
    public static List<Entry> Oci(TestImage image, string? name = null, string? refNameOnly = null)
    {
        var entries = new List<Entry> { Entry.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}") };
        entries.AddRange(OciBlobs(image));
        entries.Add(Entry.File("index.json", IndexJson(image.ManifestDescriptor, name, refNameOnly)));
        return entries;
    }

    public static List<Entry> OciBlobs(TestImage image)
    {
        var entries = new List<Entry> { Entry.Dir("blobs/"), Entry.Dir("blobs/sha256/") };
        var seen = new HashSet<Digest>();
        foreach (var (bytes, descriptor) in image.Layers)
        {
            if (seen.Add(descriptor.Digest)) entries.Add(Entry.File(BlobPath(descriptor.Digest), bytes));
        }
        entries.Add(Entry.File(BlobPath(image.Id), image.ConfigBytes));
        entries.Add(Entry.File(BlobPath(image.ManifestDescriptor.Digest), image.ManifestBytes));
        return entries;
    }

    public static string BlobPath(Digest digest) => $"blobs/{digest.Algorithm}/{digest.Encoded}";

    public static string ManifestJson(string config, IReadOnlyList<string>? repoTags, IReadOnlyList<string> layers)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            w.WriteStartObject();
            w.WriteString("Config", config);
            w.WritePropertyName("RepoTags");
            if (repoTags is null) w.WriteNullValue();
            else
            {
                w.WriteStartArray();
                foreach (var t in repoTags) w.WriteStringValue(t);
                w.WriteEndArray();
            }
            w.WriteStartArray("Layers");
            foreach (var l in layers) w.WriteStringValue(l);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string IndexJson(Descriptor manifest, string? name, string? refNameOnly = null)
    {
        var annotations = new Dictionary<string, string>();
        if (name is not null)
        {
            annotations[AnnotationKeys.ContainerdImageName] = ImageReference.Parse(name).ToString();
            annotations[AnnotationKeys.RefName] = ImageReference.Parse(name).Tag ?? "latest";
        }
        if (refNameOnly is not null) annotations[AnnotationKeys.RefName] = refNameOnly;
        var index = new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests = [manifest with { Annotations = annotations.Count == 0 ? null : annotations }],
        };
        return Encoding.UTF8.GetString(OciDocuments.Serialize(index, OciJsonContext.Default.ImageIndex));
    }

    public static byte[] Bytes(this List<Entry> entries) => Tars.Build(entries.ToArray());

    /// <summary>Replaces the entry named <paramref name="name"/>.</summary>
    public static List<Entry> Replace(this List<Entry> entries, string name, Entry replacement)
    {
        int i = entries.FindIndex(e => e.Name == name);
        if (i < 0) throw new InvalidOperationException("no entry " + name);
        entries[i] = replacement;
        return entries;
    }

    public static List<Entry> Without(this List<Entry> entries, string name)
    {
        if (entries.RemoveAll(e => e.Name == name) == 0) throw new InvalidOperationException("no entry " + name);
        return entries;
    }
}
