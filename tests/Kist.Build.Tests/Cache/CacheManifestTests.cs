using System.Text;
using Kist.Build.Cache;
using Kist.Build.Cache.Remote;
using Kist.Oci;

namespace Kist.Build.Tests.Cache;

public sealed class CacheManifestTests
{
    private static string Key(char c) => "sha256:" + new string(c, 64);

    private static readonly Descriptor Layer = new() { MediaType = MediaTypes.OciLayerGzip, Digest = Digest.Compute("layer"u8), Size = 5 };
    private static readonly Digest DiffId = Digest.Compute("tar"u8);
    private static readonly DateTimeOffset Created = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);

    private static CacheManifestBlobs Sample() => CacheManifest.Create(
    [
        new CacheRecord(Key('b'), new CacheResult(Layer, DiffId, Created)),
        new CacheRecord(Key('a'), new CacheResult(null, null, Created)),
        new CacheRecord(Key('c'), new CacheResult(Layer, DiffId, Created.AddDays(1))),
    ]);

    [Fact]
    public void Records_round_trip_with_one_blob_per_distinct_layer()
    {
        var blobs = Sample();
        var manifest = CacheManifest.ParseManifest(blobs.Manifest);
        Assert.Equal(CacheManifest.ConfigMediaType, manifest.Config.MediaType);
        Assert.Equal(blobs.ConfigDescriptor, manifest.Config);
        Assert.Equal([Layer.Digest], manifest.Layers.Select(l => l.Digest));
        var records = CacheManifest.ParseRecords(manifest, blobs.Config);
        Assert.Equal([Key('a'), Key('b'), Key('c')], records.Select(r => r.Key));
        Assert.True(records[0].Result.IsEmpty);
        Assert.Equal(Layer, records[1].Result.Layer);
        Assert.Equal(DiffId, records[1].Result.DiffId);
        Assert.Equal(Created, records[1].Result.Created);
        Assert.Equal(Created.AddDays(1), records[2].Result.Created);
    }

    [Fact]
    public void The_same_records_give_the_same_manifest() =>
        Assert.Equal(Sample().ManifestDescriptor, Sample().ManifestDescriptor);

    [Fact]
    public void Docker_gzip_layers_are_used_under_the_OCI_media_type()
    {
        var docker = Layer with { MediaType = MediaTypes.DockerLayerGzip };
        var blobs = CacheManifest.Create([new CacheRecord(Key('a'), new CacheResult(docker, DiffId, Created))]);
        var records = CacheManifest.ParseRecords(CacheManifest.ParseManifest(blobs.Manifest), blobs.Config);
        Assert.Equal(MediaTypes.OciLayerGzip, records[0].Result.Layer!.MediaType);
    }

    [Fact]
    public void An_image_manifest_is_not_a_cache()
    {
        var manifest = new ImageManifest { MediaType = MediaTypes.OciManifest, Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = DiffId, Size = 3 }, Layers = [] };
        var e = Assert.Throws<InvalidInputException>(() => CacheManifest.ParseManifest(OciDocuments.Serialize(manifest, OciJsonContext.Default.ImageManifest)));
        Assert.Contains("not a kist build cache", e.Message);
    }

    [Fact]
    public void A_huge_config_is_refused_before_it_is_read()
    {
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = CacheManifest.ConfigMediaType, Digest = DiffId, Size = 1L << 40 },
            Layers = [],
        };
        Assert.Contains("refused", Assert.Throws<InvalidInputException>(() => CacheManifest.ParseManifest(OciDocuments.Serialize(manifest, OciJsonContext.Default.ImageManifest))).Message);
    }

    [Fact]
    public void Unknown_layer_media_types_are_refused()
    {
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = CacheManifest.ConfigMediaType, Digest = DiffId, Size = 3 },
            Layers = [Layer with { MediaType = "text/html" }],
        };
        Assert.Contains("unsupported media type", Assert.Throws<InvalidInputException>(() => CacheManifest.ParseManifest(OciDocuments.Serialize(manifest, OciJsonContext.Default.ImageManifest))).Message);
    }

    [Fact]
    public void Garbage_manifests_are_refused() =>
        Assert.Throws<InvalidInputException>(() => CacheManifest.ParseManifest("{\"schemaVersion\":2,"u8.ToArray()));

    private static InvalidInputException RecordsFail(string config)
    {
        var manifest = CacheManifest.ParseManifest(Sample().Manifest);
        return Assert.Throws<InvalidInputException>(() => CacheManifest.ParseRecords(manifest, Encoding.UTF8.GetBytes(config)));
    }

    private static string Record(string key, string layer = "", string created = "2024-01-01T00:00:00Z") =>
        $$"""{"key":"{{key}}","created":"{{created}}"{{layer}}}""";

    private static string LayerField(long size, bool diffId = true) =>
        $$""","layer":{"mediaType":"{{MediaTypes.OciLayerGzip}}","digest":"{{Layer.Digest}}","size":{{size}}}""" + (diffId ? $$""","diffID":"{{DiffId}}" """.TrimEnd() : "");

    [Theory]
    [InlineData("not json", "malformed build cache config")]
    [InlineData("null", "malformed build cache config")]
    [InlineData("{}", "malformed build cache config")]
    [InlineData("{\"records\":[null]}", "")]
    [InlineData("{\"records\":[{\"key\":\"../../../etc/passwd\",\"created\":\"2024-01-01T00:00:00Z\"}]}", "invalid key")]
    [InlineData("{\"records\":[{\"key\":\"sha256:AAAA\",\"created\":\"2024-01-01T00:00:00Z\"}]}", "invalid key")]
    public void Malformed_configs_are_refused(string config, string message) =>
        Assert.Contains(message, RecordsFail(config).Message);

    [Fact]
    public void Keys_with_path_tricks_are_refused() =>
        Assert.Contains("invalid key", RecordsFail($$"""{"records":[{{Record("sha256:" + new string('a', 63) + "/")}}]}""").Message);

    [Fact]
    public void Duplicate_keys_are_refused() =>
        Assert.Contains("appears twice", RecordsFail($$"""{"records":[{{Record(Key('a'))}},{{Record(Key('a'))}}]}""").Message);

    [Fact]
    public void Bad_dates_are_refused() =>
        Assert.Contains("invalid date", RecordsFail($$"""{"records":[{{Record(Key('a'), created: "yesterday")}}]}""").Message);

    [Fact]
    public void A_layer_the_manifest_does_not_list_with_that_size_is_refused() =>
        Assert.Contains("does not list", RecordsFail($$"""{"records":[{{Record(Key('a'), LayerField(6))}}]}""").Message);

    [Fact]
    public void A_layer_without_diffID_is_refused() =>
        Assert.Contains("no sha256 diffID", RecordsFail($$"""{"records":[{{Record(Key('a'), LayerField(5, diffId: false))}}]}""").Message);

    [Fact]
    public void A_valid_handwritten_config_parses()
    {
        var manifest = CacheManifest.ParseManifest(Sample().Manifest);
        var records = CacheManifest.ParseRecords(manifest, Encoding.UTF8.GetBytes($$"""{"records":[{{Record(Key('d'), LayerField(5))}}]}"""));
        Assert.Equal(DiffId, Assert.Single(records).Result.DiffId);
    }
}
