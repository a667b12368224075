using System.Text;
using System.Text.Json;
using Kist.Oci;

namespace Kist.Oci.Tests;

/// <summary>
/// The OCI image-spec v1.1.1 validator's own fixtures (../shared/peer-data/oci-image-spec/fixtures.jsonl):
/// our parsers must accept what the spec accepts and reject the structurally invalid documents, except for
/// the deliberate differences listed here (by line number in fixtures.jsonl).
/// </summary>
public class OciSpecFixtureTests
{
    private const int ExpectedFixtures = 82;

    /// <summary>The spec rejects these; we accept them on purpose (we do not validate these fields).</summary>
    private static readonly Dictionary<int, string> LaxerThanSpec = new()
    {
        [14] = "config Env entry without '=' (we keep Env strings as they are)",
        [17] = "descriptor mediaType not matching the RFC 6838 pattern",
        [18] = "descriptor mediaType not matching the RFC 6838 pattern",
        [19] = "descriptor mediaType not matching the RFC 6838 pattern",
        [21] = "descriptor mediaType longer than 127 characters per part",
        [22] = "descriptor mediaType longer than 127 characters per part",
        [31] = "descriptor urls entry that is not a URI",
        [33] = "descriptor artifactType not matching the media type pattern",
        [43] = "descriptor data that is not valid base64 (we keep data as a string)",
        [44] = "index manifests[].mediaType not matching the media type pattern",
        [48] = "index manifests[].mediaType not matching the media type pattern",
        [49] = "index manifests[].mediaType empty",
        [58] = "manifest config.mediaType not matching the media type pattern",
        [63] = "manifest with an empty layers list (we accept layer-less manifests)",
    };

    /// <summary>The spec accepts these; we reject them on purpose (only sha256 and sha512 digests are supported).</summary>
    private static readonly Dictionary<int, string> StricterThanSpec = new()
    {
        [35] = "digest algorithm sha256+b64",
        [36] = "digest algorithm sha256+b64",
        [37] = "digest algorithm sha256+foo-bar",
        [38] = "digest algorithm sha256.foo-bar",
        [39] = "digest algorithm multihash+base58",
        [41] = "digest algorithm sha256+b64u",
        [42] = "digest algorithm sha256+b64u.unknownlength",
        [64] = "manifest with sha256+b64, sha256+foo-bar and multihash+base58 digests",
    };

    private sealed record Fixture(int Line, string MediaType, string Document, bool Valid, string? Error);

    private static List<Fixture> Load()
    {
        var path = PeerData.Path("oci-image-spec", "fixtures.jsonl");
        var fixtures = new List<Fixture>();
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (text.Length == 0) continue;
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            fixtures.Add(new Fixture(line, root.GetProperty("mediaType").GetString()!, root.GetProperty("document").GetString()!,
                root.GetProperty("valid").GetBoolean(), root.TryGetProperty("error", out var e) ? e.GetString() : null));
        }
        return fixtures;
    }

    /// <summary>Parses a fixture with the parser for its type; null when accepted, else the error.</summary>
    private static string? Ours(Fixture f)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(f.Document);
        try
        {
            switch (f.MediaType)
            {
                case MediaTypes.OciManifest:
                    var manifest = OciDocuments.ParseManifest(bytes);
                    CheckParsed(manifest.Bytes, manifest.Digest, bytes);
                    Assert.Equal(MediaTypes.OciManifest, OciDocuments.DetectMediaType(bytes));
                    return null;
                case MediaTypes.OciIndex:
                    var index = OciDocuments.ParseIndex(bytes);
                    CheckParsed(index.Bytes, index.Digest, bytes);
                    Assert.Equal(MediaTypes.OciIndex, OciDocuments.DetectMediaType(bytes));
                    return null;
                case MediaTypes.OciConfig:
                    var config = OciDocuments.ParseConfig(bytes);
                    CheckParsed(config.Bytes, config.Digest, bytes);
                    return null;
                case "application/vnd.oci.descriptor.v1+json":
                    _ = JsonSerializer.Deserialize(bytes, OciJsonContext.Default.Descriptor) ?? throw new JsonException("null");
                    return null;
                case "application/vnd.oci.layout.header.v1+json":
                    var layout = JsonSerializer.Deserialize(bytes, OciJsonContext.Default.ImageLayoutFile) ?? throw new JsonException("null");
                    Assert.Equal(ImageLayoutFile.CurrentVersion, layout.ImageLayoutVersion);
                    return null;
                default:
                    throw new InvalidOperationException($"fixture line {f.Line}: unknown media type {f.MediaType}");
            }
        }
        catch (InvalidInputException e)
        {
            return e.Message;
        }
        catch (JsonException e)
        {
            return e.Message;
        }
    }

    private static void CheckParsed(byte[] kept, Digest digest, byte[] input)
    {
        Assert.Same(input, kept);
        Assert.Equal(Digest.Compute(input), digest);
    }

    [Fact]
    public void All_fixtures_are_judged_as_the_spec_judges_them_except_the_listed_differences()
    {
        var fixtures = Load();
        Assert.Equal(ExpectedFixtures, fixtures.Count);
        var failures = new List<string>();
        foreach (var f in fixtures)
        {
            string? error = Ours(f);
            bool weAccept = error is null;
            bool expectAccept = f.Valid
                ? !StricterThanSpec.ContainsKey(f.Line)
                : LaxerThanSpec.ContainsKey(f.Line);
            if (weAccept != expectAccept)
            {
                failures.Add($"line {f.Line} ({f.MediaType}): spec valid={f.Valid} ({f.Error}), we {(weAccept ? "accept" : "reject: " + error)}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void The_difference_lists_name_fixtures_of_the_right_validity()
    {
        var byLine = Load().ToDictionary(f => f.Line);
        foreach (var line in LaxerThanSpec.Keys) Assert.False(byLine[line].Valid, $"line {line} is listed as laxer but the spec accepts it");
        foreach (var line in StricterThanSpec.Keys) Assert.True(byLine[line].Valid, $"line {line} is listed as stricter but the spec rejects it");
    }

    [Fact]
    public void Every_media_type_of_the_fixtures_is_exercised()
    {
        var types = Load().Select(f => f.MediaType).ToHashSet();
        Assert.Contains(MediaTypes.OciManifest, types);
        Assert.Contains(MediaTypes.OciIndex, types);
        Assert.Contains(MediaTypes.OciConfig, types);
        Assert.Contains("application/vnd.oci.descriptor.v1+json", types);
        Assert.Contains("application/vnd.oci.layout.header.v1+json", types);
        // both outcomes are present for the documents we parse: the test can fail either way
        foreach (var type in new[] { MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.OciConfig })
        {
            var ofType = Load().Where(f => f.MediaType == type).ToList();
            Assert.Contains(ofType, f => f.Valid);
            Assert.Contains(ofType, f => !f.Valid);
        }
    }

    [Fact]
    public void Deliberate_laxness_is_real_a_bad_media_type_still_parses()
    {
        // Explicit, independent of the fixture file: we do not validate media-type strings or Env entries.
        var d = JsonSerializer.Deserialize("""{"mediaType":"invalid","size":1,"digest":"sha256:""" + new string('a', 64) + "\"}", OciJsonContext.Default.Descriptor)!;
        Assert.Equal("invalid", d.MediaType);
        var manifest = OciDocuments.ParseManifest(Encoding.UTF8.GetBytes(
            """{"schemaVersion":2,"config":{"mediaType":"x","size":2,"digest":"sha256:""" + new string('a', 64) + "\"},\"layers\":[]}"));
        Assert.Empty(manifest.Value.Layers);
        var config = OciDocuments.ParseConfig(Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","config":{"Env":["foo"]},"rootfs":{"type":"layers","diff_ids":[]}}"""));
        Assert.Equal(["foo"], config.Value.Config!.Env!);
    }
}
