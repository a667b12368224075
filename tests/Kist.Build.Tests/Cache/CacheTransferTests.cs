using System.Formats.Tar;
using System.IO.Compression;
using Kist.Build.Cache;
using Kist.Build.Cache.Remote;
using Kist.Build.Progress;
using Kist.Content;
using Kist.Oci;

namespace Kist.Build.Tests.Cache;

/// <summary>Local export and import against real stores: the layout written, read back, layers fetched and verified.</summary>
public sealed class CacheTransferTests : IDisposable
{
    private readonly TempTree _tree = new("kist-cache-transfer-");

    public void Dispose() => _tree.Dispose();

    private LocalContentStore Store(string name)
    {
        var layout = new StoreLayout(_tree[name]);
        layout.EnsureCreated();
        return new LocalContentStore(layout);
    }

    /// <summary>A gzip layer holding one file: its compressed bytes and diff ID.</summary>
    private static (byte[] Gzip, Digest DiffId) MakeLayer(string content)
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "file") { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)) });
        var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(tar.ToArray());
        return (gz.ToArray(), Digest.Compute(tar.ToArray()));
    }

    private static async Task<(Descriptor Layer, Digest DiffId)> PutLayerAsync(LocalContentStore store, string content)
    {
        var (gzip, diffId) = MakeLayer(content);
        return (await store.PutAsync(gzip, MediaTypes.OciLayerGzip), diffId);
    }

    private static string Key(char c) => "sha256:" + new string(c, 64);

    [Fact]
    public async Task A_local_export_is_imported_into_another_store_with_verified_layers()
    {
        var a = Store("a");
        var (layer, diffId) = await PutLayerAsync(a, "hello");
        var created = DateTimeOffset.FromUnixTimeSeconds(1700000000);
        var records = new[] { new CacheRecord(Key('1'), new CacheResult(layer, diffId, created)), new CacheRecord(Key('2'), new CacheResult(null, null, created)) };
        string dest = _tree["export"];
        await CacheExporter.ExportAsync(new CacheExportSpec(CacheLocationType.Local, dest, CacheExportMode.Min), records, a, null);
        Assert.True(File.Exists(Path.Combine(dest, "oci-layout")));
        Assert.True(File.Exists(Path.Combine(dest, "blobs", "sha256", layer.Digest.Encoded)));
        Assert.Empty(Directory.GetFiles(dest, ".tmp-*", SearchOption.AllDirectories));

        var b = Store("b");
        using var imports = await CacheImports.LoadAsync([new CacheImportSpec(CacheLocationType.Local, dest)], null, NullProgress.Instance, default);
        Assert.Equal(2, imports.Count);
        Assert.Null(await imports.TryImportAsync(b, Key('3'), NullProgress.Instance, default));
        Assert.False(b.Exists(layer.Digest));
        var hit = await imports.TryImportAsync(b, Key('1'), NullProgress.Instance, default);
        Assert.Equal(layer.Digest, hit!.Layer!.Digest);
        Assert.Equal(diffId, hit.DiffId);
        Assert.Equal(created, hit.Created);
        Assert.True(b.Exists(layer.Digest));
        Assert.True((await imports.TryImportAsync(b, Key('2'), NullProgress.Instance, default))!.IsEmpty);
    }

    [Fact]
    public async Task A_second_export_replaces_the_first()
    {
        var a = Store("a");
        var (layer, diffId) = await PutLayerAsync(a, "one");
        string dest = _tree["export"];
        var spec = new CacheExportSpec(CacheLocationType.Local, dest, CacheExportMode.Min);
        await CacheExporter.ExportAsync(spec, [new CacheRecord(Key('1'), new CacheResult(layer, diffId, DateTimeOffset.UnixEpoch))], a, null);
        File.WriteAllText(Path.Combine(dest, "blobs", "sha256", "notes.txt"), "not a blob");
        await CacheExporter.ExportAsync(spec, [new CacheRecord(Key('2'), new CacheResult(null, null, DateTimeOffset.UnixEpoch))], a, null);
        using var imports = await CacheImports.LoadAsync([new CacheImportSpec(CacheLocationType.Local, dest)], null, NullProgress.Instance, default);
        Assert.Equal(1, imports.Count);
        Assert.NotNull(await imports.TryImportAsync(Store("b"), Key('2'), NullProgress.Instance, default));
        // The first export's blobs went with it; a foreign file stays.
        Assert.False(File.Exists(Path.Combine(dest, "blobs", "sha256", layer.Digest.Encoded)));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(dest, "blobs", "sha256")).Length);
        Assert.True(File.Exists(Path.Combine(dest, "blobs", "sha256", "notes.txt")));
    }

    private sealed class RecordingProgress : IBuildProgress, IStepProgress
    {
        public List<string> Lines { get; } = [];
        public IStepProgress Start(string name) { Lines.Add(name); return this; }
        public void Cached() => Lines.Add("CACHED");
        public void Log(string line) => Lines.Add(line);
        public void Done() => Lines.Add("DONE");
        public void Error(string message) => Lines.Add("ERROR " + message);
    }

    [Fact]
    public async Task A_missing_source_is_a_warning()
    {
        var progress = new RecordingProgress();
        using var imports = await CacheImports.LoadAsync([new CacheImportSpec(CacheLocationType.Local, _tree["nowhere"])], null, progress, default);
        Assert.Equal(0, imports.Count);
        Assert.Contains(progress.Lines, l => l.StartsWith("WARNING: cache source", StringComparison.Ordinal) && l.Contains("index.json"));
    }

    [Fact]
    public async Task A_corrupt_source_is_a_warning()
    {
        var a = Store("a");
        string dest = _tree["export"];
        await CacheExporter.ExportAsync(new CacheExportSpec(CacheLocationType.Local, dest, CacheExportMode.Min),
            [new CacheRecord(Key('1'), new CacheResult(null, null, DateTimeOffset.UnixEpoch))], a, null);
        // Change one byte of the config blob: its digest no longer matches.
        var config = CacheManifest.ParseManifest(File.ReadAllBytes(ManifestPath(dest))).Config;
        string configPath = Path.Combine(dest, "blobs", "sha256", config.Digest.Encoded);
        var bytes = File.ReadAllBytes(configPath);
        bytes[^2] ^= 1;
        File.WriteAllBytes(configPath, bytes);
        var progress = new RecordingProgress();
        using var imports = await CacheImports.LoadAsync([new CacheImportSpec(CacheLocationType.Local, dest)], null, progress, default);
        Assert.Equal(0, imports.Count);
        Assert.Contains(progress.Lines, l => l.StartsWith("WARNING", StringComparison.Ordinal) && l.Contains("does not match its digest"));

        File.WriteAllText(Path.Combine(dest, "index.json"), "{{{");
        progress.Lines.Clear();
        using var again = await CacheImports.LoadAsync([new CacheImportSpec(CacheLocationType.Local, dest)], null, progress, default);
        Assert.Contains(progress.Lines, l => l.StartsWith("WARNING", StringComparison.Ordinal) && l.Contains("malformed"));
    }

    [Fact]
    public async Task An_endless_index_json_is_not_read_forever()
    {
        string dest = _tree.Dir("endless");
        File.CreateSymbolicLink(Path.Combine(dest, "index.json"), "/dev/zero");
        var progress = new RecordingProgress();
        using var imports = await CacheImports.LoadAsync([new CacheImportSpec(CacheLocationType.Local, dest)], null, progress, default);
        Assert.Equal(0, imports.Count);
        Assert.Contains(progress.Lines, l => l.StartsWith("WARNING", StringComparison.Ordinal) && l.Contains("larger than"));
    }

    private static string ManifestPath(string dest)
    {
        var index = OciDocuments.ParseIndex(File.ReadAllBytes(Path.Combine(dest, "index.json"))).Value;
        return Path.Combine(dest, "blobs", "sha256", index.Manifests[0].Digest.Encoded);
    }

    [Fact]
    public async Task A_layer_whose_diffID_lies_is_not_stored()
    {
        var a = Store("a");
        var (layer, _) = await PutLayerAsync(a, "real");
        string dest = _tree["export"];
        var lie = Digest.Compute("something else"u8);
        await CacheExporter.ExportAsync(new CacheExportSpec(CacheLocationType.Local, dest, CacheExportMode.Min),
            [new CacheRecord(Key('1'), new CacheResult(layer, lie, DateTimeOffset.UnixEpoch))], a, null);
        var b = Store("b");
        var progress = new RecordingProgress();
        using var imports = await CacheImports.LoadAsync([new CacheImportSpec(CacheLocationType.Local, dest)], null, progress, default);
        Assert.Null(await imports.TryImportAsync(b, Key('1'), progress, default));
        Assert.False(b.Exists(layer.Digest));
        Assert.Contains(progress.Lines, l => l.Contains("the cache record says"));
        Assert.Empty(Directory.GetFiles(b.Layout.IngestDirectory));
    }

    [Fact]
    public async Task A_layer_blob_with_other_bytes_is_not_stored()
    {
        var a = Store("a");
        var (layer, diffId) = await PutLayerAsync(a, "real");
        string dest = _tree["export"];
        await CacheExporter.ExportAsync(new CacheExportSpec(CacheLocationType.Local, dest, CacheExportMode.Min),
            [new CacheRecord(Key('1'), new CacheResult(layer, diffId, DateTimeOffset.UnixEpoch))], a, null);
        var (other, _) = MakeLayer("fake");
        File.WriteAllBytes(Path.Combine(dest, "blobs", "sha256", layer.Digest.Encoded), other);
        var b = Store("b");
        var progress = new RecordingProgress();
        using var imports = await CacheImports.LoadAsync([new CacheImportSpec(CacheLocationType.Local, dest)], null, progress, default);
        Assert.Null(await imports.TryImportAsync(b, Key('1'), progress, default));
        Assert.False(b.Exists(layer.Digest));
        Assert.Contains(progress.Lines, l => l.StartsWith("WARNING: cache layer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_source_sending_more_bytes_than_the_layer_has_is_stopped()
    {
        var b = Store("b");
        var (gzip, diffId) = MakeLayer("x");
        var layer = new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = Digest.Compute(gzip), Size = gzip.Length };
        var padded = gzip.Concat(new byte[1 << 20]).ToArray();
        await Assert.ThrowsAnyAsync<Exception>(() =>
            LayerImporter.ImportAsync(b, layer, diffId, _ => Task.FromResult<Stream>(new MemoryStream(padded))));
        Assert.False(b.Exists(layer.Digest));
    }
}
