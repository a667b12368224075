using Kist.Oci;

namespace Kist.Build.Cache.Remote;

/// <summary>Where a build cache is exported to or imported from: an OCI image layout directory, or a registry reference.</summary>
public enum CacheLocationType
{
    Local,
    Registry,
}

/// <summary>Which steps an export carries: those leading to the final image (<c>min</c>) or every step of the build (<c>max</c>).</summary>
public enum CacheExportMode
{
    Min,
    Max,
}

/// <summary>A <c>--cache-from</c> value.</summary>
public sealed record CacheImportSpec(CacheLocationType Type, string Location)
{
    public override string ToString() => Type == CacheLocationType.Local ? "local:" + Location : Location;

    /// <summary>
    /// <c>type=local,src=DIR</c>, <c>type=registry,ref=REF</c>, or a bare <c>REF</c> (a registry). Other types
    /// (inline, gha, s3, azblob) are refused with a clear error.
    /// </summary>
    public static CacheImportSpec Parse(string spec)
    {
        if (!spec.Contains('='))
        {
            if (string.IsNullOrWhiteSpace(spec)) throw new InvalidInputException("--cache-from: empty value");
            return new CacheImportSpec(CacheLocationType.Registry, CacheSpecFields.Reference(spec, "--cache-from"));
        }
        var fields = CacheSpecFields.Split(spec, "--cache-from");
        var type = CacheSpecFields.Type(fields, "--cache-from");
        foreach (var key in fields.Keys)
        {
            if (key is "type" or "src" or "ref" or "digest" or "tag") continue;
            throw new InvalidInputException($"--cache-from: unknown option {key} for type={CacheSpecFields.Name(type)}");
        }
        return type == CacheLocationType.Local
            ? new CacheImportSpec(type, CacheSpecFields.Required(fields, "src", "--cache-from type=local"))
            : new CacheImportSpec(type, CacheSpecFields.Reference(CacheSpecFields.Required(fields, "ref", "--cache-from type=registry"), "--cache-from"));
    }
}

/// <summary>A <c>--cache-to</c> value; <paramref name="IgnoreError"/>: a failed export is a warning, not a failed build (buildx's ignore-error).</summary>
public sealed record CacheExportSpec(CacheLocationType Type, string Location, CacheExportMode Mode, bool IgnoreError = false)
{
    public override string ToString() => Type == CacheLocationType.Local ? "local:" + Location : Location;

    /// <summary><c>type=local,dest=DIR[,mode=min|max]</c> or <c>type=registry,ref=REF[,mode=min|max]</c>.</summary>
    public static CacheExportSpec Parse(string spec)
    {
        if (!spec.Contains('=')) throw new InvalidInputException($"--cache-to {spec}: expected type=local,dest=DIR or type=registry,ref=REF");
        var fields = CacheSpecFields.Split(spec, "--cache-to");
        var type = CacheSpecFields.Type(fields, "--cache-to");
        var mode = CacheExportMode.Min;
        bool ignoreError = false;
        foreach (var (key, value) in fields)
        {
            switch (key)
            {
                case "type" or "dest" or "ref":
                    break;
                case "mode":
                    mode = value switch
                    {
                        "min" => CacheExportMode.Min,
                        "max" => CacheExportMode.Max,
                        _ => throw new InvalidInputException($"--cache-to: invalid mode {value}: min or max"),
                    };
                    break;
                case "ignore-error":
                    ignoreError = value switch
                    {
                        "true" or "" => true,
                        "false" => false,
                        _ => throw new InvalidInputException($"--cache-to: invalid ignore-error {value}: true or false"),
                    };
                    break;
                // Accepted for compatibility with buildx; kist's layers are always gzip and its manifest always OCI.
                case "compression" or "compression-level" or "force-compression" or "oci-mediatypes" or "image-manifest":
                    break;
                default:
                    throw new InvalidInputException($"--cache-to: unknown option {key} for type={CacheSpecFields.Name(type)}");
            }
        }
        string location = type == CacheLocationType.Local
            ? CacheSpecFields.Required(fields, "dest", "--cache-to type=local")
            : CacheSpecFields.Reference(CacheSpecFields.Required(fields, "ref", "--cache-to type=registry"), "--cache-to");
        if (type == CacheLocationType.Registry && ImageReference.Parse(location) is { Tag: null }) throw new InvalidInputException($"--cache-to ref={location}: a tag is needed, not a digest");
        return new CacheExportSpec(type, location, mode, ignoreError);
    }
}

/// <summary>The <c>key=value,…</c> syntax the two flags share.</summary>
internal static class CacheSpecFields
{
    public static Dictionary<string, string> Split(string spec, string flag)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = field.IndexOf('=');
            if (eq <= 0) throw new InvalidInputException($"{flag}: invalid value {field}: expected key=value");
            string key = field[..eq].ToLowerInvariant();
            if (!fields.TryAdd(key, field[(eq + 1)..])) throw new InvalidInputException($"{flag}: {key} given twice");
        }
        return fields;
    }

    public static CacheLocationType Type(Dictionary<string, string> fields, string flag) => fields.GetValueOrDefault("type") switch
    {
        "local" => CacheLocationType.Local,
        "registry" => CacheLocationType.Registry,
        null or "" => throw new InvalidInputException($"{flag}: type is required (local or registry)"),
        var other => throw new InvalidInputException($"{flag}: unsupported cache type {other}: kist supports local and registry"),
    };

    public static string Name(CacheLocationType type) => type == CacheLocationType.Local ? "local" : "registry";

    public static string Required(Dictionary<string, string> fields, string key, string what) =>
        fields.GetValueOrDefault(key) is { Length: > 0 } value ? value : throw new InvalidInputException($"{what} needs {key}=");

    public static string Reference(string value, string flag)
    {
        if (!ImageReference.TryParse(value, out _)) throw new InvalidInputException($"{flag}: invalid reference format: {value}");
        return value;
    }
}
