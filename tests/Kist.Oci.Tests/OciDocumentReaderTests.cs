using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Kist.Oci.Tests;

/// <summary>
/// <see cref="OciDocuments"/> reads indexes, manifests and configs with hand-written readers; System.Text.Json's
/// serializer with <see cref="OciJsonContext"/> is the reference. On the spec's fixtures, on full documents and on
/// thousands of mutations of them (each property removed, nulled, given each kind of value; list elements nulled;
/// names escaped or in another case) both must accept the same documents with the same result, and refuse the same,
/// except that the readers also refuse a null inside a list or a map, which the serializer lets through.
/// </summary>
public class OciDocumentReaderTests
{
    private const string FullConfig = """
        {"created":"2024-05-01T10:20:30.123456789Z","author":"someone","architecture":"amd64","os":"linux",
         "os.version":"6.1","os.features":["a"],"variant":"v2","comment":"c","docker_version":"24.0.7",
         "config":{"User":"1000:1000","ExposedPorts":{"80/tcp":{},"53/udp":{}},"Env":["PATH=/bin","A=b"],
           "Entrypoint":["/bin/sh","-c"],"Cmd":["echo hi"],"Volumes":{"/data":{}},"WorkingDir":"/app",
           "Labels":{"k":"v","empty":""},"StopSignal":"SIGINT","ArgsEscaped":true,
           "Healthcheck":{"Test":["CMD","true"],"Interval":30000000000,"Timeout":5000000000,"StartPeriod":0,
             "StartInterval":1000000000,"Retries":3},
           "OnBuild":["RUN true"],"Shell":["/bin/bash","-c"]},
         "rootfs":{"type":"layers","diff_ids":["sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"]},
         "history":[{"created":"2024-05-01T10:20:30Z","created_by":"/bin/sh -c #(nop) ADD file","author":"a",
           "comment":"c","empty_layer":true},{"created_by":"RUN x"}]}
        """;

    private const string FullManifest = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/x",
         "config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":1470,
           "digest":"sha256:c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b"},
         "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":32654,
           "digest":"sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0",
           "urls":["https://example.com/l"],"annotations":{"a":"b"},"data":"e30=","artifactType":"x/y",
           "platform":{"architecture":"arm","os":"linux","variant":"v7","os.version":"1","os.features":["f"]}}],
         "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7682,
           "digest":"sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270"},
         "annotations":{"org.opencontainers.image.created":"2024-01-01T00:00:00Z"}}
        """;

    private const string FullIndex = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","artifactType":"application/x",
         "manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7143,
           "digest":"sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f",
           "platform":{"architecture":"ppc64le","os":"linux"},"annotations":{"org.opencontainers.image.ref.name":"v1"}},
           {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7682,
           "digest":"sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
           "platform":{"architecture":"amd64","os":"linux","os.features":["sse4"]}}],
         "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7682,
           "digest":"sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270"},
         "annotations":{"com.example.key1":"value1"}}
        """;

    private static readonly JsonNode?[] Replacements =
    [
        null, JsonValue.Create(0), JsonValue.Create(-1), JsonValue.Create(2147483648L), JsonValue.Create(1.5),
        JsonValue.Create(true), JsonValue.Create("x"), JsonValue.Create("2024-05-01T10:20:30Z"),
        JsonValue.Create("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"),
        new JsonArray(), new JsonArray(JsonValue.Create("a")), new JsonObject(), new JsonObject { ["k"] = "v" },
    ];

    [Fact]
    public void FullDocumentsReadAsTheSerializerReadsThem()
    {
        Assert.Equal(Outcome.Accepted, Compare(Kind.Config, Encoding.UTF8.GetBytes(FullConfig)));
        Assert.Equal(Outcome.Accepted, Compare(Kind.Manifest, Encoding.UTF8.GetBytes(FullManifest)));
        Assert.Equal(Outcome.Accepted, Compare(Kind.Index, Encoding.UTF8.GetBytes(FullIndex)));
        var config = OciDocuments.ParseConfig(Encoding.UTF8.GetBytes(FullConfig)).Value;
        Assert.Equal(["80/tcp", "53/udp"], config.Config!.ExposedPorts!.Keys);
        Assert.Equal(3, config.Config.Healthcheck!.Retries);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 20, 30, TimeSpan.Zero).AddTicks(1234567), config.Created);
        byte[] index = Encoding.UTF8.GetBytes(FullIndex);
        Assert.Equal(JsonSerializer.Serialize(OciDocuments.ParseIndex(index).Value, OciJsonContext.Default.ImageIndex),
            JsonSerializer.Serialize(OciDocuments.ReadIndex(index), OciJsonContext.Default.ImageIndex));
    }

    [Fact]
    public void MutationsOfEveryPropertyAreAcceptedAndRefusedAsTheSerializerDoes()
    {
        var failures = new List<string>();
        var outcomes = new Dictionary<Outcome, int>();
        foreach (var (kind, document) in BaseDocuments())
        {
            foreach (var mutant in Mutations(document))
            {
                byte[] bytes = Encoding.UTF8.GetBytes(mutant);
                Outcome outcome;
                try { outcome = Compare(kind, bytes); }
                catch (Exception e) { failures.Add($"{kind}: {e.Message}\n  {mutant}"); continue; }
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} differences, the first:\n" + string.Join("\n", failures.Take(10)));
        // The mutations must exercise all three outcomes, or the comparison proves little.
        Assert.True(outcomes.GetValueOrDefault(Outcome.Accepted) > 500, $"accepted: {outcomes.GetValueOrDefault(Outcome.Accepted)}");
        Assert.True(outcomes.GetValueOrDefault(Outcome.Refused) > 500, $"refused: {outcomes.GetValueOrDefault(Outcome.Refused)}");
        Assert.True(outcomes.GetValueOrDefault(Outcome.RefusedNullElement) > 20, $"null elements: {outcomes.GetValueOrDefault(Outcome.RefusedNullElement)}");
    }

    [Theory]
    [InlineData("{\"schemaVersion\":2,\"manifests\":[]} {}")]
    [InlineData("{\"schemaVersion\":2,\"manifests\":[]")]
    [InlineData("{\"schemaVersion\":2,\"manifests\":[],}")]
    [InlineData("{\"schemaVersion\":2,/*c*/\"manifests\":[]}")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"x\"")]
    public void MalformedJsonIsRefusedByBoth(string json)
    {
        Assert.Equal(Outcome.Refused, Compare(Kind.Index, Encoding.UTF8.GetBytes(json)));
        var e = Assert.Throws<InvalidInputException>(() => OciDocuments.ParseIndex(Encoding.UTF8.GetBytes(json)));
        Assert.StartsWith("malformed image index: ", e.Message);
        Assert.Equal(e.Message, Assert.Throws<InvalidInputException>(() => OciDocuments.ReadIndex(Encoding.UTF8.GetBytes(json))).Message);
    }

    [Fact]
    public void InvalidUtf8InAStringIsRefused()
    {
        byte[] bytes = [.. "{\"manifests\":[],\"mediaType\":\"a"u8, 0xFF, .. "\"}"u8];
        Assert.Equal(Outcome.Refused, Compare(Kind.Index, bytes));
    }

    [Fact]
    public void ARepeatedPropertyOrKeyKeepsItsLastValue()
    {
        const string json = """
            {"architecture":"arm","architecture":"amd64","os":"linux","rootfs":{"diff_ids":[]},
             "config":{"Labels":{"a":"1","a":"2"},"Cmd":["x"],"Cmd":null}}
            """;
        Assert.Equal(Outcome.Accepted, Compare(Kind.Config, Encoding.UTF8.GetBytes(json)));
        var config = OciDocuments.ParseConfig(Encoding.UTF8.GetBytes(json)).Value;
        Assert.Equal("amd64", config.Architecture);
        Assert.Equal("2", config.Config!.Labels!["a"]);
        Assert.Null(config.Config.Cmd);
    }

    [Fact]
    public void ErrorsSayWhatIsWrong()
    {
        string Error(string json) => Assert.Throws<InvalidInputException>(() => OciDocuments.ParseManifest(Encoding.UTF8.GetBytes(json))).Message;
        Assert.Equal("malformed image manifest: the image manifest has no \"layers\"",
            Error("""{"config":{"mediaType":"a","size":1,"digest":"sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"}}"""));
        Assert.Equal("malformed image manifest: the descriptor has no \"size\"",
            Error("""{"layers":[],"config":{"mediaType":"a","digest":"sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"}}"""));
        Assert.Equal("malformed image manifest: \"layers\" holds a null", Error("""{"layers":[null]}"""));
        Assert.Equal("malformed image manifest: invalid digest \"sha256:x\"", Error("""{"layers":[],"config":{"digest":"sha256:x"}}"""));
        Assert.Equal("malformed image manifest: expected an integer, found a string", Error("""{"schemaVersion":"2"}"""));
    }

    public enum Kind { Index, Manifest, Config }

    public enum Outcome { Accepted, Refused, RefusedNullElement }

    /// <summary>
    /// Reads the bytes both ways; throws when the two disagree. The serializer loses the initial values of init-only
    /// properties that a document leaves out (schemaVersion 0 instead of 2, rootfs type null instead of "layers");
    /// the readers keep them, and the reference is corrected for that.
    /// </summary>
    private static Outcome Compare(Kind kind, byte[] bytes) => kind switch
    {
        Kind.Index => Compare(bytes, OciDocuments.ParseIndex, OciJsonContext.Default.ImageIndex,
            i => HasSchemaVersion(bytes) ? i : i with { SchemaVersion = 2 }),
        Kind.Manifest => Compare(bytes, OciDocuments.ParseManifest, OciJsonContext.Default.ImageManifest,
            m => HasSchemaVersion(bytes) ? m : m with { SchemaVersion = 2 }),
        _ => Compare(bytes, OciDocuments.ParseConfig, OciJsonContext.Default.ImageConfig,
            c => c.RootFs.Type is null ? c with { RootFs = c.RootFs with { Type = "layers" } } : c),
    };

    private static bool HasSchemaVersion(byte[] bytes) => JsonNode.Parse(bytes) is JsonObject o && o.ContainsKey("schemaVersion");

    private static Outcome Compare<T>(byte[] bytes, Func<byte[], Parsed<T>> ours, JsonTypeInfo<T> reference, Func<T, T> correct) where T : class
    {
        T? expected;
        try { expected = JsonSerializer.Deserialize(bytes, reference); }
        catch (JsonException) { expected = null; }
        if (expected is not null) expected = correct(expected);
        T? actual;
        string? error = null;
        try { actual = ours(bytes).Value; }
        catch (InvalidInputException e) { actual = null; error = e.Message; }

        if (expected is null)
        {
            return actual is null ? Outcome.Refused : throw new Exception("accepted a document the serializer refuses");
        }
        string expectedJson = JsonSerializer.Serialize(expected, reference);
        if (actual is null)
        {
            // With null properties left out, a null in the serializer's result is a list's element or a map's value.
            return JsonNullInside(JsonNode.Parse(expectedJson)) ? Outcome.RefusedNullElement
                : throw new Exception($"refused a document the serializer accepts: {error}");
        }
        string actualJson = JsonSerializer.Serialize(actual, reference);
        return actualJson == expectedJson ? Outcome.Accepted : throw new Exception($"read differently:\n  ours {actualJson}\n  ref  {expectedJson}");
    }

    private static bool JsonNullInside(JsonNode? node) => node switch
    {
        null => true,
        JsonObject o => o.Any(p => JsonNullInside(p.Value)),
        JsonArray a => a.Any(JsonNullInside),
        _ => false,
    };

    /// <summary>The full documents and the spec's fixtures of the three kinds.</summary>
    private static IEnumerable<(Kind, string)> BaseDocuments()
    {
        yield return (Kind.Config, FullConfig);
        yield return (Kind.Manifest, FullManifest);
        yield return (Kind.Index, FullIndex);
        foreach (var line in File.ReadLines(PeerData.Path("oci-image-spec", "fixtures.jsonl")).Where(l => l.Length > 0))
        {
            var fixture = JsonNode.Parse(line)!;
            string document = fixture["document"]!.GetValue<string>();
            switch (fixture["mediaType"]!.GetValue<string>())
            {
                case MediaTypes.OciIndex: yield return (Kind.Index, document); break;
                case MediaTypes.OciManifest: yield return (Kind.Manifest, document); break;
                case MediaTypes.OciConfig: yield return (Kind.Config, document); break;
            }
        }
    }

    /// <summary>The document itself, then one change at a time at every property and list element it holds.</summary>
    private static IEnumerable<string> Mutations(string document)
    {
        yield return document;
        JsonNode? root;
        try { root = JsonNode.Parse(document); }
        catch (JsonException) { yield break; }
        if (root is null) yield break;
        foreach (var path in Paths(root, []))
        {
            foreach (var replacement in Replacements) yield return Replace(root, path, replacement?.DeepClone());
            yield return Remove(root, path);
        }
        foreach (var name in PropertyNames(root).Distinct())
        {
            // An escaped name is the same name; a name in another case is another (unknown) property.
            string quoted = $"\"{name}\"";
            string escaped = "\"\\u" + ((int)name[0]).ToString("x4") + name[1..] + "\"";
            yield return root.ToJsonString().Replace(quoted, escaped);
            yield return root.ToJsonString().Replace(quoted, quoted.ToUpperInvariant());
        }
        var extra = root.DeepClone();
        if (extra is JsonObject o) o["unknown"] = new JsonObject { ["deep"] = new JsonArray(1, "two", null) };
        yield return extra.ToJsonString();
    }

    /// <summary>Every property and list element, as a path of names and indexes.</summary>
    private static IEnumerable<object[]> Paths(JsonNode node, object[] prefix)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, value) in o)
                {
                    object[] path = [.. prefix, name];
                    yield return path;
                    if (value is not null) foreach (var p in Paths(value, path)) yield return p;
                }
                break;
            case JsonArray a:
                for (int i = 0; i < a.Count; i++)
                {
                    object[] path = [.. prefix, i];
                    yield return path;
                    if (a[i] is { } element) foreach (var p in Paths(element, path)) yield return p;
                }
                break;
        }
    }

    private static IEnumerable<string> PropertyNames(JsonNode node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Value is null ? [p.Key] : PropertyNames(p.Value).Prepend(p.Key)),
        JsonArray a => a.Where(e => e is not null).SelectMany(e => PropertyNames(e!)),
        _ => [],
    };

    private static string Replace(JsonNode root, object[] path, JsonNode? value)
    {
        var copy = root.DeepClone();
        var parent = Parent(copy, path);
        if (path[^1] is string name) parent.AsObject()[name] = value;
        else parent.AsArray()[(int)path[^1]] = value;
        return copy.ToJsonString();
    }

    private static string Remove(JsonNode root, object[] path)
    {
        var copy = root.DeepClone();
        var parent = Parent(copy, path);
        if (path[^1] is string name) parent.AsObject().Remove(name);
        else parent.AsArray().RemoveAt((int)path[^1]);
        return copy.ToJsonString();
    }

    private static JsonNode Parent(JsonNode root, object[] path)
    {
        var node = root;
        foreach (var step in path[..^1]) node = step is string name ? node[name]! : node[(int)step]!;
        return node;
    }
}
