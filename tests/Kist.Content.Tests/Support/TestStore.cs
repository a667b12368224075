using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Kist.Content.Archives;
using Kist.Layers.Compression;
using Kist.Oci;

namespace Kist.Content.Tests.Support;

/// <summary>A fresh store under its own temporary root, removed on dispose.</summary>
public sealed class TestStore : IDisposable
{
    public TestStore()
    {
        Root = Directory.CreateTempSubdirectory("kist-content-test-").FullName;
        Layout = new StoreLayout(Root);
        Layout.EnsureCreated();
        Content = new LocalContentStore(Layout);
        Images = new ImageStore(Layout, Content);
    }

    public string Root { get; }
    public StoreLayout Layout { get; }
    public LocalContentStore Content { get; }
    public ImageStore Images { get; }

    public ArchiveLoader Loader => new(Images, CompressionDetector.OpenDecompressedAsync);

    public Task<IReadOnlyList<ArchiveImage>> LoadAsync(byte[] archive) => Loader.LoadAsync(new MemoryStream(archive));

    /// <summary>Every directory and file under the root with a hash of its content (lock files included).</summary>
    public SortedDictionary<string, string> Snapshot(bool includeLocks = true)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in new DirectoryInfo(Root).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(Root, entry.FullName);
            if (!includeLocks && relative.StartsWith("locks/", StringComparison.Ordinal)) continue;
            result[relative] = entry is FileInfo file ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file.FullName))) : "dir";
        }
        return result;
    }

    public string[] IngestFiles() => Directory.GetFiles(Layout.IngestDirectory);

    public string[] BlobFiles() => Directory.GetFiles(Layout.BlobsDirectory, "*", SearchOption.AllDirectories);

    public async Task<Descriptor> PutAsync(byte[] bytes, string mediaType) => await Content.PutAsync(bytes, mediaType);

    /// <summary>Stores an image (layers, config, manifest) and returns it; names it when <paramref name="name"/> is given.</summary>
    public async Task<TestImage> AddImageAsync(string? name = null, int layers = 1, string seed = "x", bool gzip = false, string mediaType = MediaTypes.OciManifest)
    {
        var image = TestImage.Create(layers, seed, gzip, mediaType);
        foreach (var (bytes, descriptor) in image.Layers) await Content.PutAsync(bytes, descriptor.MediaType);
        await Content.PutAsync(image.ConfigBytes, image.ConfigDescriptor.MediaType);
        await Content.PutAsync(image.ManifestBytes, image.ManifestDescriptor.MediaType);
        if (name is not null) Images.Update(index => { index.SetReference(ImageReference.Parse(name), image.ManifestDescriptor); return 0; });
        return image;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>An image built in memory: layer tars (optionally gzip), a config with their diff IDs, a manifest.</summary>
public sealed record TestImage(
    IReadOnlyList<(byte[] Bytes, Descriptor Descriptor)> Layers,
    IReadOnlyList<byte[]> LayerTars,
    byte[] ConfigBytes,
    Descriptor ConfigDescriptor,
    byte[] ManifestBytes,
    Descriptor ManifestDescriptor)
{
    public Digest Id => ConfigDescriptor.Digest;

    public static TestImage Create(int layerCount = 1, string seed = "x", bool gzip = false, string mediaType = MediaTypes.OciManifest,
        IReadOnlyList<byte[]>? tars = null)
    {
        bool docker = mediaType == MediaTypes.DockerManifest;
        tars ??= Enumerable.Range(0, layerCount).Select(i => Tars.Layer(($"file{i}.txt", $"{seed} layer {i}\n"))).ToList();
        var layers = tars.Select(tar =>
        {
            var bytes = gzip ? Tars.Gzip(tar) : tar;
            string type = docker ? (gzip ? MediaTypes.DockerLayerGzip : MediaTypes.DockerLayer) : (gzip ? MediaTypes.OciLayerGzip : MediaTypes.OciLayer);
            return (bytes, new Descriptor { MediaType = type, Digest = Digest.Compute(bytes), Size = bytes.Length });
        }).ToList();
        var config = new ImageConfig
        {
            Architecture = Platform.Host.Architecture,
            Os = "linux",
            Created = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Config = new ContainerConfig { Cmd = ["sh"], Env = ["SEED=" + seed] },
            RootFs = new RootFs { DiffIds = tars.Select(t => Digest.Compute(t)).ToList() },
            History = tars.Select(_ => new HistoryEntry { CreatedBy = "test " + seed }).ToList(),
        };
        var configBytes = OciDocuments.Serialize(config, OciJsonContext.Default.ImageConfig);
        var configDescriptor = new Descriptor { MediaType = docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig, Digest = Digest.Compute(configBytes), Size = configBytes.Length };
        var manifest = new ImageManifest { MediaType = mediaType, Config = configDescriptor, Layers = layers.Select(l => l.Item2).ToList() };
        var manifestBytes = OciDocuments.Serialize(manifest, OciJsonContext.Default.ImageManifest);
        var manifestDescriptor = new Descriptor { MediaType = mediaType, Digest = Digest.Compute(manifestBytes), Size = manifestBytes.Length };
        return new TestImage(layers, tars, configBytes, configDescriptor, manifestBytes, manifestDescriptor);
    }
}

/// <summary>Tar and gzip helpers over System.Formats.Tar.</summary>
public static class Tars
{
    private static readonly DateTimeOffset Time = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static byte[] Layer(params (string Name, string Content)[] files) =>
        Build(files.Select(f => Entry.File(f.Name, Encoding.UTF8.GetBytes(f.Content))).ToArray());

    public static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return output.ToArray();
    }

    public static byte[] Build(params Entry[] entries)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var e in entries)
            {
                var entry = new PaxTarEntry(e.Type, e.Name) { ModificationTime = Time, Mode = (UnixFileMode)Convert.ToInt32(e.Type == TarEntryType.Directory ? "755" : "644", 8) };
                if (e.LinkName is not null) entry.LinkName = e.LinkName;
                if (e.Data is not null) entry.DataStream = new MemoryStream(e.Data);
                writer.WriteEntry(entry);
            }
        }
        return output.ToArray();
    }
}

public sealed record Entry(TarEntryType Type, string Name, byte[]? Data = null, string? LinkName = null)
{
    public static Entry File(string name, byte[] data) => new(TarEntryType.RegularFile, name, data);
    public static Entry File(string name, string text) => new(TarEntryType.RegularFile, name, Encoding.UTF8.GetBytes(text));
    public static Entry Dir(string name) => new(TarEntryType.Directory, name);
    public static Entry Symlink(string name, string target) => new(TarEntryType.SymbolicLink, name, null, target);
    public static Entry HardLink(string name, string target) => new(TarEntryType.HardLink, name, null, target);
}
