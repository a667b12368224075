using System.Text.RegularExpressions;
using Kist.Oci;
using Kist.Runtime.Volumes;

namespace Kist.Engine.Volumes;

/// <summary>docker's volume filters: every key must match (values of one key are alternatives).</summary>
public sealed class VolumeFilter
{
    private readonly List<Func<Volume, IVolumeUsage, bool>> _tests = [];

    public bool Matches(Volume volume, IVolumeUsage usage) => _tests.All(t => t(volume, usage));

    public static VolumeFilter Parse(IReadOnlyList<string> specs, bool pruning = false)
    {
        var byKey = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            int eq = spec.IndexOf('=');
            if (eq <= 0) throw new InvalidInputException($"bad format of filter (expected name=value): \"{spec}\"");
            string key = spec[..eq].ToLowerInvariant();
            bool allowed = pruning ? key is "label" or "label!" : key is "dangling" or "name" or "label" or "driver";
            if (!allowed) throw new InvalidInputException($"invalid filter '{key}'");
            if (!byKey.TryGetValue(key, out var values)) byKey[key] = values = [];
            values.Add(spec[(eq + 1)..]);
        }
        var filter = new VolumeFilter();
        foreach (var (key, values) in byKey)
        {
            switch (key)
            {
                case "dangling":
                    var wanted = values.Select(ParseBool).ToList();
                    filter._tests.Add((v, usage) => wanted.Contains(usage.ContainersUsing(v.Name).Count == 0));
                    break;
                case "name":
                    // docker matches names as regular expressions (a plain word matches as a substring).
                    var patterns = values.Select(p => new Regex(p, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))).ToList();
                    filter._tests.Add((v, _) => patterns.Any(p => p.IsMatch(v.Name)));
                    break;
                case "driver":
                    filter._tests.Add((_, _) => values.Contains(VolumeService.Driver));
                    break;
                case "label":
                    filter._tests.Add((v, _) => values.All(l => HasLabel(v, l)));
                    break;
                case "label!":
                    filter._tests.Add((v, _) => !values.Any(l => HasLabel(v, l)));
                    break;
            }
        }
        return filter;
    }

    private static bool HasLabel(Volume volume, string spec)
    {
        int eq = spec.IndexOf('=');
        string key = eq < 0 ? spec : spec[..eq];
        return volume.Labels.TryGetValue(key, out var value) && (eq < 0 || value == spec[(eq + 1)..]);
    }

    private static bool ParseBool(string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw new InvalidInputException($"invalid filter 'dangling={value}'"),
    };
}
