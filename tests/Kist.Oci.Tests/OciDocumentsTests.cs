using System.Text;
using System.Text.Json;
using Kist.Oci;

namespace Kist.Oci.Tests;

public class OciDocumentsTests
{
    private static readonly string D1 = "sha256:" + new string('1', 64);
    private static readonly string D2 = "sha256:" + new string('2', 64);

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private static string ManifestJson(string? mediaType = MediaTypes.OciManifest) =>
        "{\n  \"schemaVersion\": 2," + (mediaType is null ? "" : $"\n  \"mediaType\": \"{mediaType}\",") +
        $"\n  \"config\": {{\"mediaType\": \"{MediaTypes.OciConfig}\", \"size\": 7, \"digest\": \"{D1}\"}}," +
        $"\n  \"layers\": [{{\"mediaType\": \"{MediaTypes.OciLayerGzip}\", \"size\": 32, \"digest\": \"{D2}\", \"annotations\": {{\"a\": \"b\"}}}}]\n}}";

    [Fact]
    public void ParseManifest_keeps_the_exact_bytes_and_their_digest()
    {
        var bytes = Bytes(ManifestJson());
        var parsed = OciDocuments.ParseManifest(bytes);
        Assert.Same(bytes, parsed.Bytes);
        Assert.Equal(Digest.Compute(bytes), parsed.Digest);
        Assert.Equal(2, parsed.Value.SchemaVersion);
        Assert.Equal(MediaTypes.OciManifest, parsed.Value.MediaType);
        Assert.Equal(D1, parsed.Value.Config.Digest.ToString());
        Assert.Equal(7, parsed.Value.Config.Size);
        var layer = Assert.Single(parsed.Value.Layers);
        Assert.Equal("b", layer.Annotation("a"));
        Assert.Null(layer.Annotation("missing"));
        // re-serializing gives different bytes: the raw bytes are what must be kept
        var reserialized = OciDocuments.Serialize(parsed.Value, OciJsonContext.Default.ImageManifest);
        Assert.NotEqual(parsed.Digest, Digest.Compute(reserialized));
        Assert.Equal(parsed.Value.Config, OciDocuments.ParseManifest(reserialized).Value.Config);
    }

    [Fact]
    public void ParseIndex_and_ParseConfig()
    {
        var index = OciDocuments.ParseIndex(Bytes($$$"""
            {"schemaVersion":2,"mediaType":"{{{MediaTypes.DockerManifestList}}}","manifests":[
              {"mediaType":"{{{MediaTypes.DockerManifest}}}","size":10,"digest":"{{{D1}}}","platform":{"architecture":"arm","os":"linux","variant":"v7"}},
              {"mediaType":"{{{MediaTypes.DockerManifest}}}","size":11,"digest":"{{{D2}}}","platform":{"architecture":"amd64","os":"linux"}}]}
            """));
        Assert.Equal(2, index.Value.Manifests.Count);
        Assert.Equal("linux/arm/v7", index.Value.Manifests[0].Platform!.ToString());

        var config = OciDocuments.ParseConfig(Bytes($$$"""
            {"created":"2024-01-02T03:04:05.123456789Z","architecture":"amd64","os":"linux",
             "config":{"Env":["PATH=/bin"],"Cmd":["sh"],"ExposedPorts":{"80/tcp":{}},"Labels":{"a":"b"},"Healthcheck":{"Test":["CMD","true"],"Interval":30000000000}},
             "rootfs":{"type":"layers","diff_ids":["{{{D1}}}"]},
             "history":[{"created_by":"/bin/sh -c #(nop) ADD","empty_layer":true}]}
            """));
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567), config.Value.Created);
        Assert.Equal(["sh"], config.Value.Config!.Cmd!);
        Assert.Contains("80/tcp", config.Value.Config.ExposedPorts!.Keys);
        Assert.Equal(30_000_000_000, config.Value.Config.Healthcheck!.Interval);
        Assert.Equal(D1, Assert.Single(config.Value.RootFs.DiffIds).ToString());
        Assert.True(config.Value.History![0].EmptyLayer);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{")]
    [InlineData("{}")] // config and layers are required
    [InlineData("{\"schemaVersion\":2,\"layers\":[]}")]
    [InlineData("{\"schemaVersion\":2,\"config\":null,\"layers\":[]}")] // required and not nullable: null is as bad as missing
    [InlineData("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"size\":1,\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\"},\"layers\":null}")]
    [InlineData("{\"schemaVersion\":2,\"config\":{\"mediaType\":null,\"size\":1,\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\"},\"layers\":[]}")]
    [InlineData("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"size\":1,\"digest\":\"sha256:abc\"},\"layers\":[]}")]
    [InlineData("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"size\":1},\"layers\":[]}")]
    [InlineData("{\"schemaVersion\":2,\"config\":{\"size\":1,\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\"},\"layers\":[]}")]
    [InlineData("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"size\":\"1\",\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\"},\"layers\":[]}")]
    [InlineData("{\"schemaVersion\":\"2\",\"config\":{\"mediaType\":\"a/b\",\"size\":1,\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\"},\"layers\":[]}")]
    [InlineData("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"size\":1,\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\"},\"layers\":{}}")]
    public void Malformed_manifests_raise_InvalidInputException(string json)
    {
        var e = Assert.Throws<InvalidInputException>(() => OciDocuments.ParseManifest(Bytes(json)));
        Assert.StartsWith("malformed image manifest", e.Message);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"manifests\":null}")]
    [InlineData("{\"manifests\":[{\"mediaType\":\"a/b\",\"size\":1,\"digest\":\"md5:1\"}]}")]
    [InlineData("{\"manifests\":[{\"mediaType\":\"a/b\",\"size\":1,\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\",\"platform\":{\"os\":\"linux\"}}]}")]
    public void Malformed_indexes_raise_InvalidInputException(string json)
    {
        var e = Assert.Throws<InvalidInputException>(() => OciDocuments.ParseIndex(Bytes(json)));
        Assert.StartsWith("malformed image index", e.Message);
    }

    [Theory]
    [InlineData("{\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}")] // no architecture
    [InlineData("{\"architecture\":\"amd64\",\"os\":\"linux\"}")] // no rootfs
    [InlineData("{\"architecture\":\"amd64\",\"os\":null,\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}")]
    [InlineData("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":null}")]
    [InlineData("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":null}}")]
    [InlineData("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"}}")] // no diff_ids
    [InlineData("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"diff_ids\":[\"sha256:xyz\"]}}")]
    [InlineData("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"yesterday\",\"rootfs\":{\"diff_ids\":[]}}")]
    [InlineData("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":\"sh\"},\"rootfs\":{\"diff_ids\":[]}}")]
    public void Malformed_configs_raise_InvalidInputException(string json)
    {
        var e = Assert.Throws<InvalidInputException>(() => OciDocuments.ParseConfig(Bytes(json)));
        Assert.StartsWith("malformed image config", e.Message);
        Assert.IsAssignableFrom<KistException>(e);
    }

    [Fact]
    public void Null_fields_and_unknown_fields_are_accepted()
    {
        var config = OciDocuments.ParseConfig(Bytes("""{"architecture":"amd64","os":"linux","config":{"Cmd":null,"Entrypoint":null,"Volumes":null,"Hostname":"x"},"container_config":{},"rootfs":{"type":"layers","diff_ids":[]},"extra":1}"""));
        Assert.Null(config.Value.Config!.Cmd);
        Assert.Empty(config.Value.RootFs.DiffIds);
    }

    [Theory]
    [InlineData("{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{}}", MediaTypes.DockerManifest)]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}", MediaTypes.OciIndex)]
    [InlineData("{\"schemaVersion\":2,\"manifests\":[]}", MediaTypes.OciIndex)]
    [InlineData("{\"schemaVersion\":2,\"config\":{},\"layers\":[]}", MediaTypes.OciManifest)]
    [InlineData("{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}", MediaTypes.DockerManifestV1)]
    [InlineData("{\"schemaVersion\":2,\"config\":{}}", null)]
    [InlineData("{\"architecture\":\"amd64\"}", null)]
    [InlineData("[1,2]", null)]
    [InlineData("\"text\"", null)]
    [InlineData("not json", null)]
    [InlineData("", null)]
    [InlineData("{\"mediaType\":42,\"manifests\":[]}", MediaTypes.OciIndex)]
    [InlineData("{\"mediaType\":{\"mediaType\":\"inner\"},\"layers\":[{\"config\":1}],\"config\":{}}", MediaTypes.OciManifest)]
    [InlineData("{\"mediaType\":\"first\",\"mediaType\":\"last\"}", "last")]
    [InlineData("{\"schemaVersion\":1.5,\"manifests\":[]}", MediaTypes.OciIndex)]
    [InlineData("{\"schemaVersion\":1,\"manifests\":[", null)]
    [InlineData("{\"manifests\":[}", null)]
    public void DetectMediaType(string json, string? expected)
    {
        Assert.Equal(expected, OciDocuments.DetectMediaType(Bytes(json)));
    }

    [Fact]
    public void Serialize_writes_compact_json_with_plus_and_angle_brackets_unescaped_and_no_nulls()
    {
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Digest.Parse(D1), Size = 2 },
            Layers = [new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = Digest.Parse(D2), Size = 3, Annotations = new Dictionary<string, string> { ["k"] = "<é>" } }],
        };
        var json = Encoding.UTF8.GetString(OciDocuments.Serialize(manifest, OciJsonContext.Default.ImageManifest));
        Assert.StartsWith("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{", json);
        Assert.Contains("tar+gzip", json);
        Assert.Contains("\"k\":\"<é>\"", json);
        Assert.DoesNotContain("null", json);
        Assert.DoesNotContain("\n", json);
        Assert.Equal(manifest.Layers[0].Digest, OciDocuments.ParseManifest(Encoding.UTF8.GetBytes(json)).Value.Layers[0].Digest);
    }

    [Fact]
    public void MediaType_helpers()
    {
        Assert.True(MediaTypes.IsIndex(MediaTypes.DockerManifestList));
        Assert.True(MediaTypes.IsManifest(MediaTypes.DockerManifest));
        Assert.False(MediaTypes.IsManifest(MediaTypes.OciIndex));
        Assert.True(MediaTypes.IsSchema1(MediaTypes.DockerManifestV1Signed));
        Assert.True(MediaTypes.IsImageConfig(MediaTypes.DockerConfig));
        Assert.Equal(Compression.Gzip, MediaTypes.LayerCompression(MediaTypes.DockerLayerForeignGzip));
        Assert.Equal(Compression.Zstd, MediaTypes.LayerCompression(MediaTypes.OciLayerNonDistributableZstd));
        Assert.Equal(Compression.None, MediaTypes.LayerCompression(MediaTypes.DockerLayer));
        Assert.Null(MediaTypes.LayerCompression(MediaTypes.OciConfig));
        Assert.False(MediaTypes.IsLayer(null));
        Assert.Equal(MediaTypes.OciLayerZstd, MediaTypes.OciLayerFor(Compression.Zstd));
        Assert.Equal(MediaTypes.OciLayer, MediaTypes.OciLayerFor(Compression.None));
    }

    [Fact]
    public void Docker_archive_manifest_json_round_trips()
    {
        var json = $$"""[{"Config":"blobs/sha256/{{new string('1', 64)}}","RepoTags":["busybox:latest"],"Layers":["abc/layer.tar"]}]""";
        var entries = JsonSerializer.Deserialize(json, OciJsonContext.Default.ListDockerArchiveManifestEntry)!;
        var entry = Assert.Single(entries);
        Assert.Equal(["busybox:latest"], entry.RepoTags!);
        Assert.Equal(["abc/layer.tar"], entry.Layers);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""[{"RepoTags":[]}]""", OciJsonContext.Default.ListDockerArchiveManifestEntry));
    }
}
