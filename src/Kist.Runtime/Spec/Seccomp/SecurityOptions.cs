using System.Text.Json;
using Kist.Oci;

namespace Kist.Runtime.Spec.Seccomp;

/// <summary>
/// <c>--security-opt</c> as docker takes it: <c>no-new-privileges[=true|false]</c>, <c>seccomp=unconfined|FILE</c>
/// (the file's profile is kept in the container's settings, as docker keeps it), <c>apparmor=…</c> and <c>label=…</c>
/// (accepted; this host enforces neither).
/// </summary>
public static class SecurityOptions
{
    /// <summary>Validates the options and replaces <c>seccomp=FILE</c> with <c>seccomp=PROFILE-JSON</c>.</summary>
    public static IReadOnlyList<string> Normalize(IReadOnlyList<string> options) => options.Select(Normalize).ToList();

    private static string Normalize(string option)
    {
        if (option is "no-new-privileges") return option;
        int separator = option.IndexOfAny(['=', ':']);
        if (separator <= 0) throw new InvalidInputException($"Invalid --security-opt: \"{option}\"");
        string key = option[..separator], value = option[(separator + 1)..];
        switch (key)
        {
            case "no-new-privileges" when value is "true" or "false":
            case "apparmor" or "label":
                return option;
            case "seccomp" when value == "unconfined" || value.StartsWith('{'):
                if (value != "unconfined") Parse(value, "the seccomp profile");
                return option;
            case "seccomp":
                string json;
                try { json = File.ReadAllText(value); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InvalidInputException($"opening seccomp profile ({value}) failed: {e.Message}"); }
                Parse(json, value);
                return "seccomp=" + json;
            default:
                throw new InvalidInputException($"Invalid --security-opt: \"{option}\"");
        }
    }

    public static bool NoNewPrivileges(IReadOnlyList<string> options) =>
        options.Any(o => o is "no-new-privileges" or "no-new-privileges:true" or "no-new-privileges=true");

    /// <summary>The container's filter: none when privileged or unconfined, its own profile, or Kist's default.</summary>
    public static SpecSeccomp? Seccomp(IReadOnlyList<string> options, bool privileged, IReadOnlyCollection<string> capabilities)
    {
        if (privileged) return null;
        string? value = options.LastOrDefault(o => o.StartsWith("seccomp=", StringComparison.Ordinal) || o.StartsWith("seccomp:", StringComparison.Ordinal))?[8..];
        if (value == "unconfined") return null;
        var profile = value is null ? DefaultSeccompProfile.Profile : Parse(value, "the seccomp profile");
        return profile.ToSpec(capabilities);
    }

    private static SeccompProfile Parse(string json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, SeccompProfileJson.Default.SeccompProfile) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"decoding seccomp profile failed ({what}): {e.Message}");
        }
    }
}
