using System.Text.Json;

namespace Kist.Oci;

/// <summary>
/// Reads image indexes, manifests and configs with <see cref="Utf8JsonReader"/>. The serializer builds the metadata of
/// each type on its first use: ~2.5 ms of CPU in every <c>kist run</c>, a third of it Native AOT reflection. These
/// readers give what the serializer gives with <see cref="OciJsonContext"/> (its tests compare the two on every
/// document and on mutations of them) and refuse what it refuses, and null inside a list or a map as well, where the
/// serializer would let a null through to code that does not expect it.
/// </summary>
internal static class OciDocumentReader
{
    public static ImageIndex? ReadIndex(ReadOnlySpan<byte> json) => ReadDocument(json, IndexObject);

    public static ImageManifest? ReadManifest(ReadOnlySpan<byte> json) => ReadDocument(json, ManifestObject);

    public static ImageConfig? ReadConfig(ReadOnlySpan<byte> json) => ReadDocument(json, ConfigObject);

    /// <summary>
    /// Reads one value: an object reader from the object's first token, a value reader from the token before the value
    /// (a property's name, or a list's previous element), so that it can look at the value's kind first.
    /// </summary>
    private delegate T Reader<out T>(ref Utf8JsonReader reader);

    /// <summary>One JSON value and nothing after it; <c>null</c> gives null, as the serializer gives it.</summary>
    private static T? ReadDocument<T>(ReadOnlySpan<byte> json, Reader<T> read) where T : class
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            reader.Read();
            T? value = reader.TokenType == JsonTokenType.Null ? null : read(ref reader);
            reader.Read(); // the reader itself refuses a second value
            return value;
        }
        catch (InvalidOperationException e)
        {
            throw new JsonException(e.Message, e); // a string that is not valid UTF-8
        }
    }

    private static ImageIndex IndexObject(ref Utf8JsonReader r)
    {
        StartObject(ref r, "image index");
        var index = new ImageIndex { Manifests = null! };
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("schemaVersion"u8)) index = index with { SchemaVersion = Int(ref r) };
            else if (r.ValueTextEquals("mediaType"u8)) index = index with { MediaType = NullableString(ref r) };
            else if (r.ValueTextEquals("artifactType"u8)) index = index with { ArtifactType = NullableString(ref r) };
            else if (r.ValueTextEquals("manifests"u8)) index = index with { Manifests = ObjectList(ref r, "manifests", DescriptorObject)! };
            else if (r.ValueTextEquals("subject"u8)) index = index with { Subject = NullableObject(ref r, DescriptorObject) };
            else if (r.ValueTextEquals("annotations"u8)) index = index with { Annotations = StringMap(ref r) };
            else r.Skip();
        }
        Require(index.Manifests, "manifests", "image index");
        return index;
    }

    private static ImageManifest ManifestObject(ref Utf8JsonReader r)
    {
        StartObject(ref r, "image manifest");
        var manifest = new ImageManifest { Config = null!, Layers = null! };
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("schemaVersion"u8)) manifest = manifest with { SchemaVersion = Int(ref r) };
            else if (r.ValueTextEquals("mediaType"u8)) manifest = manifest with { MediaType = NullableString(ref r) };
            else if (r.ValueTextEquals("artifactType"u8)) manifest = manifest with { ArtifactType = NullableString(ref r) };
            else if (r.ValueTextEquals("config"u8)) manifest = manifest with { Config = Object(ref r, "config", DescriptorObject) };
            else if (r.ValueTextEquals("layers"u8)) manifest = manifest with { Layers = ObjectList(ref r, "layers", DescriptorObject)! };
            else if (r.ValueTextEquals("subject"u8)) manifest = manifest with { Subject = NullableObject(ref r, DescriptorObject) };
            else if (r.ValueTextEquals("annotations"u8)) manifest = manifest with { Annotations = StringMap(ref r) };
            else r.Skip();
        }
        Require(manifest.Config, "config", "image manifest");
        Require(manifest.Layers, "layers", "image manifest");
        return manifest;
    }

    private static Descriptor DescriptorObject(ref Utf8JsonReader r)
    {
        StartObject(ref r, "descriptor");
        string? mediaType = null;
        Digest? digest = null;
        long? size = null;
        var descriptor = new Descriptor { MediaType = "", Digest = default, Size = 0 };
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("mediaType"u8)) mediaType = RequiredString(ref r, "mediaType");
            else if (r.ValueTextEquals("digest"u8)) digest = DigestValue(ref r);
            else if (r.ValueTextEquals("size"u8)) size = Long(ref r);
            else if (r.ValueTextEquals("urls"u8)) descriptor = descriptor with { Urls = List(ref r, "urls", ElementString) };
            else if (r.ValueTextEquals("annotations"u8)) descriptor = descriptor with { Annotations = StringMap(ref r) };
            else if (r.ValueTextEquals("data"u8)) descriptor = descriptor with { Data = NullableString(ref r) };
            else if (r.ValueTextEquals("platform"u8)) descriptor = descriptor with { Platform = NullableObject(ref r, PlatformObject) };
            else if (r.ValueTextEquals("artifactType"u8)) descriptor = descriptor with { ArtifactType = NullableString(ref r) };
            else r.Skip();
        }
        return descriptor with
        {
            MediaType = Require(mediaType, "mediaType", "descriptor"),
            Digest = RequireValue(digest, "digest", "descriptor"),
            Size = RequireValue(size, "size", "descriptor"),
        };
    }

    private static Platform PlatformObject(ref Utf8JsonReader r)
    {
        StartObject(ref r, "platform");
        var platform = new Platform { Architecture = null!, Os = null! };
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("architecture"u8)) platform = platform with { Architecture = RequiredString(ref r, "architecture") };
            else if (r.ValueTextEquals("os"u8)) platform = platform with { Os = RequiredString(ref r, "os") };
            else if (r.ValueTextEquals("os.version"u8)) platform = platform with { OsVersion = NullableString(ref r) };
            else if (r.ValueTextEquals("os.features"u8)) platform = platform with { OsFeatures = List(ref r, "os.features", ElementString) };
            else if (r.ValueTextEquals("variant"u8)) platform = platform with { Variant = NullableString(ref r) };
            else r.Skip();
        }
        Require(platform.Architecture, "architecture", "platform");
        Require(platform.Os, "os", "platform");
        return platform;
    }

    private static ImageConfig ConfigObject(ref Utf8JsonReader r)
    {
        StartObject(ref r, "image config");
        var config = new ImageConfig { Architecture = null!, Os = null!, RootFs = null! };
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("created"u8)) config = config with { Created = Date(ref r) };
            else if (r.ValueTextEquals("author"u8)) config = config with { Author = NullableString(ref r) };
            else if (r.ValueTextEquals("architecture"u8)) config = config with { Architecture = RequiredString(ref r, "architecture") };
            else if (r.ValueTextEquals("os"u8)) config = config with { Os = RequiredString(ref r, "os") };
            else if (r.ValueTextEquals("os.version"u8)) config = config with { OsVersion = NullableString(ref r) };
            else if (r.ValueTextEquals("os.features"u8)) config = config with { OsFeatures = List(ref r, "os.features", ElementString) };
            else if (r.ValueTextEquals("variant"u8)) config = config with { Variant = NullableString(ref r) };
            else if (r.ValueTextEquals("config"u8)) config = config with { Config = NullableObject(ref r, ContainerConfigObject) };
            else if (r.ValueTextEquals("rootfs"u8)) config = config with { RootFs = Object(ref r, "rootfs", RootFsObject) };
            else if (r.ValueTextEquals("history"u8)) config = config with { History = ObjectList(ref r, "history", HistoryObject) };
            else if (r.ValueTextEquals("comment"u8)) config = config with { Comment = NullableString(ref r) };
            else if (r.ValueTextEquals("docker_version"u8)) config = config with { DockerVersion = NullableString(ref r) };
            else r.Skip();
        }
        Require(config.Architecture, "architecture", "image config");
        Require(config.Os, "os", "image config");
        Require(config.RootFs, "rootfs", "image config");
        return config;
    }

    private static ContainerConfig ContainerConfigObject(ref Utf8JsonReader r)
    {
        StartObject(ref r, "config");
        var c = new ContainerConfig();
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("User"u8)) c = c with { User = NullableString(ref r) };
            else if (r.ValueTextEquals("ExposedPorts"u8)) c = c with { ExposedPorts = EmptyObjectMap(ref r) };
            else if (r.ValueTextEquals("Env"u8)) c = c with { Env = List(ref r, "Env", ElementString) };
            else if (r.ValueTextEquals("Entrypoint"u8)) c = c with { Entrypoint = List(ref r, "Entrypoint", ElementString) };
            else if (r.ValueTextEquals("Cmd"u8)) c = c with { Cmd = List(ref r, "Cmd", ElementString) };
            else if (r.ValueTextEquals("Volumes"u8)) c = c with { Volumes = EmptyObjectMap(ref r) };
            else if (r.ValueTextEquals("WorkingDir"u8)) c = c with { WorkingDir = NullableString(ref r) };
            else if (r.ValueTextEquals("Labels"u8)) c = c with { Labels = StringMap(ref r) };
            else if (r.ValueTextEquals("StopSignal"u8)) c = c with { StopSignal = NullableString(ref r) };
            else if (r.ValueTextEquals("ArgsEscaped"u8)) c = c with { ArgsEscaped = Bool(ref r) };
            else if (r.ValueTextEquals("Healthcheck"u8)) c = c with { Healthcheck = NullableObject(ref r, HealthcheckObject) };
            else if (r.ValueTextEquals("OnBuild"u8)) c = c with { OnBuild = List(ref r, "OnBuild", ElementString) };
            else if (r.ValueTextEquals("Shell"u8)) c = c with { Shell = List(ref r, "Shell", ElementString) };
            else r.Skip();
        }
        return c;
    }

    private static HealthcheckConfig HealthcheckObject(ref Utf8JsonReader r)
    {
        StartObject(ref r, "Healthcheck");
        var h = new HealthcheckConfig();
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("Test"u8)) h = h with { Test = List(ref r, "Test", ElementString) };
            else if (r.ValueTextEquals("Interval"u8)) h = h with { Interval = NullableLong(ref r) };
            else if (r.ValueTextEquals("Timeout"u8)) h = h with { Timeout = NullableLong(ref r) };
            else if (r.ValueTextEquals("StartPeriod"u8)) h = h with { StartPeriod = NullableLong(ref r) };
            else if (r.ValueTextEquals("StartInterval"u8)) h = h with { StartInterval = NullableLong(ref r) };
            else if (r.ValueTextEquals("Retries"u8)) h = h with { Retries = NullableInt(ref r) };
            else r.Skip();
        }
        return h;
    }

    private static RootFs RootFsObject(ref Utf8JsonReader r)
    {
        StartObject(ref r, "rootfs");
        var rootfs = new RootFs { DiffIds = null! };
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("type"u8)) rootfs = rootfs with { Type = RequiredString(ref r, "type") };
            else if (r.ValueTextEquals("diff_ids"u8)) rootfs = rootfs with { DiffIds = List(ref r, "diff_ids", DigestValue)! };
            else r.Skip();
        }
        Require(rootfs.DiffIds, "diff_ids", "rootfs");
        return rootfs;
    }

    private static HistoryEntry HistoryObject(ref Utf8JsonReader r)
    {
        StartObject(ref r, "history entry");
        var h = new HistoryEntry();
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("created"u8)) h = h with { Created = Date(ref r) };
            else if (r.ValueTextEquals("created_by"u8)) h = h with { CreatedBy = NullableString(ref r) };
            else if (r.ValueTextEquals("author"u8)) h = h with { Author = NullableString(ref r) };
            else if (r.ValueTextEquals("comment"u8)) h = h with { Comment = NullableString(ref r) };
            else if (r.ValueTextEquals("empty_layer"u8)) h = h with { EmptyLayer = Bool(ref r) };
            else r.Skip();
        }
        return h;
    }

    // The readers below end on the value's last token.

    private static void StartObject(ref Utf8JsonReader r, string what)
    {
        if (r.TokenType != JsonTokenType.StartObject) throw new JsonException($"the {what} is not a JSON object");
    }

    /// <summary>Moves to the object's next property name; false at its end.</summary>
    private static bool NextProperty(ref Utf8JsonReader r)
    {
        r.Read();
        return r.TokenType == JsonTokenType.PropertyName;
    }

    private static T Require<T>(T? value, string property, string what) where T : class =>
        value ?? throw new JsonException($"the {what} has no \"{property}\"");

    private static T RequireValue<T>(T? value, string property, string what) where T : struct =>
        value ?? throw new JsonException($"the {what} has no \"{property}\"");

    private static string? NullableString(ref Utf8JsonReader r) =>
        Value(ref r) switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => r.GetString(),
            var t => throw Unexpected(t, "a string"),
        };

    private static string RequiredString(ref Utf8JsonReader r, string property) =>
        NullableString(ref r) ?? throw new JsonException($"\"{property}\" is null");

    private static string ElementString(ref Utf8JsonReader r) => RequiredString(ref r, "a list's element");

    private static int Int(ref Utf8JsonReader r) =>
        Value(ref r) == JsonTokenType.Number && r.TryGetInt32(out int value) ? value : throw Unexpected(r.TokenType, "an integer");

    private static long Long(ref Utf8JsonReader r) =>
        Value(ref r) == JsonTokenType.Number && r.TryGetInt64(out long value) ? value : throw Unexpected(r.TokenType, "an integer");

    private static int? NullableInt(ref Utf8JsonReader r) =>
        Value(ref r) switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.Number when r.TryGetInt32(out int value) => value,
            var t => throw Unexpected(t, "an integer"),
        };

    private static long? NullableLong(ref Utf8JsonReader r) =>
        Value(ref r) switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.Number when r.TryGetInt64(out long value) => value,
            var t => throw Unexpected(t, "an integer"),
        };

    private static bool? Bool(ref Utf8JsonReader r) =>
        Value(ref r) switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            var t => throw Unexpected(t, "true or false"),
        };

    private static DateTimeOffset? Date(ref Utf8JsonReader r) =>
        Value(ref r) switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String when r.TryGetDateTimeOffset(out var value) => value,
            var t => throw Unexpected(t, "an RFC 3339 time"),
        };

    private static Digest DigestValue(ref Utf8JsonReader r)
    {
        string? text = Value(ref r) == JsonTokenType.String ? r.GetString() : null;
        return Digest.TryParse(text, out var digest) ? digest : throw new JsonException($"invalid digest \"{text}\"");
    }

    private static T Object<T>(ref Utf8JsonReader r, string property, Reader<T> read) where T : class =>
        NullableObject(ref r, read) ?? throw new JsonException($"\"{property}\" is null");

    private static T? NullableObject<T>(ref Utf8JsonReader r, Reader<T> read) where T : class =>
        Value(ref r) == JsonTokenType.Null ? null : read(ref r);

    /// <summary>A JSON array, or null; a null element is refused.</summary>
    private static List<T>? List<T>(ref Utf8JsonReader r, string property, Reader<T> read)
    {
        var token = Value(ref r);
        if (token == JsonTokenType.Null) return null;
        if (token != JsonTokenType.StartArray) throw Unexpected(token, $"a list for \"{property}\"");
        var list = new List<T>();
        while (true)
        {
            var next = r;
            next.Read();
            if (next.TokenType == JsonTokenType.EndArray) { r = next; return list; }
            if (next.TokenType == JsonTokenType.Null) throw new JsonException($"\"{property}\" holds a null");
            list.Add(read(ref r));
        }
    }

    private static List<T>? ObjectList<T>(ref Utf8JsonReader r, string property, Reader<T> read) where T : class =>
        List(ref r, property, (ref Utf8JsonReader e) => Object(ref e, property, read));

    /// <summary>A map of strings, or null; a null value is refused. A repeated key keeps its last value.</summary>
    private static Dictionary<string, string>? StringMap(ref Utf8JsonReader r) =>
        Map(ref r, static (ref Utf8JsonReader v) => NullableString(ref v) ?? throw new JsonException("a map of strings holds a null"));

    /// <summary>ExposedPorts and Volumes: a map whose values are objects (whatever they hold).</summary>
    private static Dictionary<string, EmptyObject>? EmptyObjectMap(ref Utf8JsonReader r) =>
        Map(ref r, static (ref Utf8JsonReader v) =>
        {
            var token = Value(ref v);
            if (token != JsonTokenType.StartObject) throw Unexpected(token, "an object");
            v.Skip();
            return EmptyObject.Instance;
        });

    private static Dictionary<string, T>? Map<T>(ref Utf8JsonReader r, Reader<T> readValue)
    {
        var token = Value(ref r);
        if (token == JsonTokenType.Null) return null;
        if (token != JsonTokenType.StartObject) throw Unexpected(token, "a map");
        var map = new Dictionary<string, T>();
        while (NextProperty(ref r))
        {
            string key = r.GetString()!;
            map[key] = readValue(ref r);
        }
        return map;
    }

    /// <summary>Moves to the value after a property name (or to a list's next element).</summary>
    private static JsonTokenType Value(ref Utf8JsonReader r)
    {
        r.Read();
        return r.TokenType;
    }

    private static JsonException Unexpected(JsonTokenType token, string expected) =>
        new($"expected {expected}, found {Describe(token)}");

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "a list",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}
