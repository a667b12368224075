using System.Formats.Tar;
using System.Text;
using Kist.Content.Tests.Support;
using Kist.Oci;

namespace Kist.Content.Tests;

/// <summary>
/// Every bad archive raises a KistException and leaves the store byte-for-byte as it was
/// (every path under the root and a hash of every file's content).
/// </summary>
public class BadArchiveTests
{
    private static readonly TestImage Image = TestImage.Create(layerCount: 2, seed: "bad");

    /// <summary>A store that already holds an image (so that locks and index.json exist), then the bad load.</summary>
    private static async Task<KistException> AssertRejectedAndUnchangedAsync(byte[] archive)
    {
        using var store = new TestStore();
        await store.LoadAsync(TestArchives.DockerLegacy(TestImage.Create(seed: "existing"), ["existing:1"]).Bytes());
        var before = store.Snapshot();
        var e = await Assert.ThrowsAnyAsync<KistException>(() => store.LoadAsync(archive));
        Assert.Equal(before, store.Snapshot());
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    private static byte[] Good() => TestArchives.DockerLegacy(Image, ["good:1"]).Bytes();

    [Fact]
    public async Task The_good_archive_loads()
    {
        using var store = new TestStore();
        Assert.Single(await store.LoadAsync(Good()));
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public async Task Truncated_archive(double fraction)
    {
        var good = Good();
        var e = await AssertRejectedAndUnchangedAsync(good[..(int)(good.Length * fraction)]);
        Assert.IsType<InvalidInputException>(e, exactMatch: false);
    }

    [Fact]
    public async Task Truncated_archive_cut_inside_a_header()
    {
        var good = Good();
        await AssertRejectedAndUnchangedAsync(good[..(512 * 3 + 100)]);
    }

    [Fact]
    public async Task Truncated_gzip_archive()
    {
        var gz = Tars.Gzip(Good());
        await AssertRejectedAndUnchangedAsync(gz[..(gz.Length / 2)]);
    }

    [Fact]
    public async Task Corrupt_gzip_archive()
    {
        var gz = Tars.Gzip(Good());
        for (int i = 20; i < gz.Length - 20; i += 7) gz[i] ^= 0x5a;
        await AssertRejectedAndUnchangedAsync(gz);
    }

    [Theory]
    [InlineData("this is not a tar file, just some text\n")]
    [InlineData("")]
    public async Task Not_a_tar(string text)
    {
        var e = await AssertRejectedAndUnchangedAsync(Encoding.UTF8.GetBytes(text));
        Assert.Contains("not a tar archive", e.Message);
    }

    [Fact]
    public async Task Random_bytes_are_not_a_tar()
    {
        var random = new byte[4096];
        new Random(42).NextBytes(random);
        random[0] = 0x42; // not a compression magic
        await AssertRejectedAndUnchangedAsync(random);
    }

    [Fact]
    public async Task A_tar_without_manifest_or_index()
    {
        var e = await AssertRejectedAndUnchangedAsync(Tars.Build(Entry.File("hello.txt", "hi")));
        Assert.Contains("neither manifest.json", e.Message);
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("a/../../evil")]
    [InlineData("../../../../tmp/kist-escape")]
    public async Task Entry_names_outside_the_archive(string name)
    {
        var entries = TestArchives.DockerLegacy(Image, ["good:1"]);
        entries.Insert(0, Entry.File(name, "escape"));
        var e = await AssertRejectedAndUnchangedAsync(entries.Bytes());
        Assert.Contains("outside the archive", e.Message);
    }

    [Fact]
    public async Task A_layer_symlink_pointing_outside_the_archive()
    {
        var shared = Tars.Layer(("same.txt", "same"));
        var image = TestImage.Create(tars: [shared, shared]);
        var entries = TestArchives.DockerLegacy(image, ["good:1"]);
        var link = entries.Single(e => e.Type == TarEntryType.SymbolicLink);
        entries.Replace(link.Name, Entry.Symlink(link.Name, "../../../etc/passwd"));
        await AssertRejectedAndUnchangedAsync(entries.Bytes());
    }

    [Fact]
    public async Task A_symlink_loop_is_a_missing_layer()
    {
        var entries = TestArchives.DockerLegacy(Image, ["good:1"]);
        string layer = entries.First(e => e.Name.EndsWith("/layer.tar")).Name;
        entries.Replace(layer, Entry.Symlink(layer, "layer.tar"));
        await AssertRejectedAndUnchangedAsync(entries.Bytes());
    }

    [Fact]
    public async Task A_device_entry()
    {
        var entries = TestArchives.DockerLegacy(Image, ["good:1"]);
        entries.Add(new Entry(TarEntryType.CharacterDevice, "dev/null"));
        await AssertRejectedAndUnchangedAsync(entries.Bytes());
    }

    [Fact]
    public async Task Oci_blob_content_does_not_match_its_digest()
    {
        var entries = TestArchives.Oci(Image, "good:1");
        var path = TestArchives.BlobPath(Image.Layers[1].Descriptor.Digest);
        var other = (byte[])Image.Layers[1].Bytes.Clone();
        other[^1] ^= 1;
        entries.Replace(path, Entry.File(path, other));
        var e = await AssertRejectedAndUnchangedAsync(entries.Bytes());
        Assert.IsType<DigestMismatchException>(e);
    }

    [Fact]
    public async Task Manifest_layer_digest_differs_from_the_blob_given()
    {
        // the manifest names layer X, the archive holds blob Y under X's name: caught while staging
        var entries = TestArchives.Oci(Image, "good:1");
        var path = TestArchives.BlobPath(Image.Layers[0].Descriptor.Digest);
        entries.Replace(path, Entry.File(path, Image.Layers[1].Bytes));
        Assert.IsType<DigestMismatchException>(await AssertRejectedAndUnchangedAsync(entries.Bytes()));
    }

    [Fact]
    public async Task Manifest_layer_size_differs_from_the_blob()
    {
        var manifest = OciDocuments.ParseManifest(Image.ManifestBytes).Value;
        var lying = manifest with { Layers = [manifest.Layers[0] with { Size = manifest.Layers[0].Size + 10 }, manifest.Layers[1]] };
        var bytes = OciDocuments.Serialize(lying, OciJsonContext.Default.ImageManifest);
        var descriptor = new Descriptor { MediaType = MediaTypes.OciManifest, Digest = Digest.Compute(bytes), Size = bytes.Length };
        var entries = TestArchives.Oci(Image with { ManifestBytes = bytes, ManifestDescriptor = descriptor }, "good:1");
        Assert.IsType<DigestMismatchException>(await AssertRejectedAndUnchangedAsync(entries.Bytes()));
    }

    [Fact]
    public async Task Oci_manifest_naming_a_missing_blob()
    {
        var entries = TestArchives.Oci(Image, "good:1").Without(TestArchives.BlobPath(Image.Layers[1].Descriptor.Digest));
        var e = await AssertRejectedAndUnchangedAsync(entries.Bytes());
        Assert.Contains("which the archive does not hold", e.Message);
    }

    [Fact]
    public async Task Oci_index_naming_a_missing_manifest()
    {
        var entries = TestArchives.Oci(Image, "good:1").Without(TestArchives.BlobPath(Image.ManifestDescriptor.Digest));
        var e = await AssertRejectedAndUnchangedAsync(entries.Bytes());
        Assert.Contains("which the archive does not hold", e.Message);
    }

    [Fact]
    public async Task Oci_missing_config()
    {
        var entries = TestArchives.Oci(Image, "good:1").Without(TestArchives.BlobPath(Image.Id));
        await AssertRejectedAndUnchangedAsync(entries.Bytes());
    }

    [Fact]
    public async Task Docker_manifest_naming_a_missing_layer()
    {
        var entries = TestArchives.DockerLegacy(Image, ["good:1"]);
        entries.Without(entries.Last(e => e.Name.EndsWith("/layer.tar")).Name);
        var e = await AssertRejectedAndUnchangedAsync(entries.Bytes());
        Assert.Contains("the archive has no layer", e.Message);
    }

    [Fact]
    public async Task Docker_manifest_naming_a_missing_config()
    {
        var entries = TestArchives.DockerLegacy(Image, ["good:1"]).Without(Image.Id.Encoded + ".json");
        var e = await AssertRejectedAndUnchangedAsync(entries.Bytes());
        Assert.Contains("the archive has no config", e.Message);
    }

    [Fact]
    public async Task Docker_layer_whose_diff_id_differs_from_the_config()
    {
        var entries = TestArchives.DockerLegacy(Image, ["good:1"]);
        var layer = entries.First(e => e.Name.EndsWith("/layer.tar"));
        entries.Replace(layer.Name, Entry.File(layer.Name, Tars.Layer(("other.txt", "not the layer the config names"))));
        var e = await AssertRejectedAndUnchangedAsync(entries.Bytes());
        Assert.IsType<DigestMismatchException>(e);
        Assert.Contains("diff ID", e.Message);
    }

    [Fact]
    public async Task Docker_gzip_layer_whose_diff_id_differs_from_the_config()
    {
        var image = TestImage.Create(layerCount: 1, gzip: true, mediaType: MediaTypes.DockerManifest);
        var entries = TestArchives.DockerLegacy(image, ["good:1"]);
        var layer = entries.First(e => e.Name.EndsWith("/layer.tar"));
        entries.Replace(layer.Name, Entry.File(layer.Name, Tars.Gzip(Tars.Layer(("x", "other")))));
        Assert.IsType<DigestMismatchException>(await AssertRejectedAndUnchangedAsync(entries.Bytes()));
    }

    [Fact]
    public async Task Modern_docker_blob_whose_content_does_not_match_its_name()
    {
        var entries = TestArchives.DockerModern(Image, ["good:1"]);
        var path = TestArchives.BlobPath(Image.Layers[0].Descriptor.Digest);
        entries.Replace(path, Entry.File(path, Image.Layers[1].Bytes));
        Assert.IsType<DigestMismatchException>(await AssertRejectedAndUnchangedAsync(entries.Bytes()));
    }

    [Fact]
    public async Task Layer_count_differs_from_diff_ids()
    {
        var entries = TestArchives.DockerLegacy(Image, ["good:1"]);
        var layers = entries.Where(e => e.Name.EndsWith("/layer.tar")).Select(e => e.Name).ToList();
        entries.Replace("manifest.json", Entry.File("manifest.json", TestArchives.ManifestJson(Image.Id.Encoded + ".json", ["good:1"], [layers[0]])));
        var e = await AssertRejectedAndUnchangedAsync(entries.Bytes());
        Assert.Contains("the config lists 2 layers, manifest.json 1", e.Message);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"Config\":\"x\"}")]
    [InlineData("[]")]
    [InlineData("[{\"Config\":\"x.json\"}]")]
    [InlineData("[{\"Config\":null,\"Layers\":[]}]")]
    public async Task Malformed_manifest_json(string json)
    {
        var entries = TestArchives.DockerLegacy(Image, ["good:1"]);
        entries.Replace("manifest.json", Entry.File("manifest.json", json));
        await AssertRejectedAndUnchangedAsync(entries.Bytes());
    }

    [Fact]
    public async Task Malformed_config()
    {
        var entries = TestArchives.DockerLegacy(Image, ["good:1"]);
        entries.Replace(Image.Id.Encoded + ".json", Entry.File(Image.Id.Encoded + ".json", "{\"architecture\":"));
        var e = await AssertRejectedAndUnchangedAsync(entries.Bytes());
        Assert.Contains("malformed image config", e.Message);
    }

    [Theory]
    [InlineData("UPPER:tag")]
    [InlineData("bad name")]
    [InlineData("app:-tag")]
    public async Task Invalid_repo_tag(string tag)
    {
        var e = await AssertRejectedAndUnchangedAsync(TestArchives.DockerLegacy(Image, [tag]).Bytes());
        Assert.Contains("the archive names an image", e.Message);
    }

    [Fact]
    public async Task Second_image_bad_first_good_nothing_is_loaded()
    {
        var good = TestImage.Create(seed: "first");
        var entries = TestArchives.DockerLegacy(good, ["first:1"]);
        var bad = TestArchives.DockerLegacy(Image, ["second:1"]);
        var badLayer = bad.First(e => e.Name.EndsWith("/layer.tar"));
        bad.Replace(badLayer.Name, Entry.File(badLayer.Name, Tars.Layer(("evil", "evil"))));
        entries.AddRange(bad.Where(e => e.Name != "manifest.json"));
        string manifests = "[" + TestArchives.ManifestJson(good.Id.Encoded + ".json", ["first:1"],
                [TestArchives.DockerLegacy(good).First(e => e.Name.EndsWith("/layer.tar")).Name])[1..^1] + ","
            + TestArchives.ManifestJson(Image.Id.Encoded + ".json", ["second:1"], bad.Where(e => e.Name.EndsWith("/layer.tar")).Select(e => e.Name).ToList())[1..^1] + "]";
        entries.Replace("manifest.json", Entry.File("manifest.json", manifests));
        Assert.IsType<DigestMismatchException>(await AssertRejectedAndUnchangedAsync(entries.Bytes()));
    }

    [Fact]
    public async Task Schema1_manifest_in_an_oci_archive()
    {
        var schema1 = Encoding.UTF8.GetBytes("{\"schemaVersion\":1,\"name\":\"x\",\"tag\":\"y\",\"fsLayers\":[]}");
        var descriptor = new Descriptor { MediaType = MediaTypes.DockerManifestV1Signed, Digest = Digest.Compute(schema1), Size = schema1.Length };
        var entries = new List<Entry>
        {
            Entry.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"),
            Entry.File(TestArchives.BlobPath(descriptor.Digest), schema1),
            Entry.File("index.json", TestArchives.IndexJson(descriptor, "good:1")),
        };
        var e = await AssertRejectedAndUnchangedAsync(entries.Bytes());
        Assert.Contains("schema 1 is not supported", e.Message);
    }

    [Fact]
    public async Task An_empty_index()
    {
        var entries = new List<Entry>
        {
            Entry.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"),
            Entry.File("index.json", "{\"schemaVersion\":2,\"manifests\":[]}"),
        };
        var e = await AssertRejectedAndUnchangedAsync(entries.Bytes());
        Assert.Contains("holds no image", e.Message);
    }
}
