using System.Globalization;
using Kist.Oci;
using Kist.Runtime.Native;
using Kist.Runtime.State;

namespace Kist.Runtime.Spec;

/// <summary>
/// <c>--ulimit</c>: docker's parsing, and the runtime spec's rlimits, which may lower this process's limits but
/// never raise a hard limit (that needs CAP_SYS_RESOURCE, and Kist never asks for more than it has).
/// </summary>
public static class Ulimits
{
    // The Linux RLIMIT_* numbers of docker's names.
    private static readonly Dictionary<string, int> Resources = new(StringComparer.Ordinal)
    {
        ["cpu"] = 0, ["fsize"] = 1, ["data"] = 2, ["stack"] = 3, ["core"] = 4, ["rss"] = 5, ["nproc"] = 6, ["nofile"] = 7,
        ["memlock"] = 8, ["as"] = 9, ["locks"] = 10, ["sigpending"] = 11, ["msgqueue"] = 12, ["nice"] = 13, ["rtprio"] = 14,
        ["rttime"] = 15,
    };

    /// <summary>go-units ParseUlimit: <c>NAME=SOFT[:HARD]</c>, a single value for both.</summary>
    public static Ulimit Parse(string value)
    {
        string Invalid(string why) => $"invalid argument \"{value}\" for \"--ulimit\" flag: {why}";
        int eq = value.IndexOf('=');
        if (eq < 0) throw new InvalidInputException(Invalid($"invalid ulimit argument: {value}"));
        string name = value[..eq];
        if (!Resources.ContainsKey(name)) throw new InvalidInputException(Invalid($"invalid ulimit type: {name}"));
        var parts = value[(eq + 1)..].Split(':');
        if (parts.Length > 2) throw new InvalidInputException(Invalid($"too many limit value arguments - {value[(eq + 1)..]}, can only have up to two, `soft[:hard]`"));
        long soft = Number(parts[0]), hard = parts.Length == 2 ? Number(parts[1]) : soft;
        if (hard != -1 && soft > hard)
            throw new InvalidInputException(Invalid($"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"));
        return new Ulimit(name, hard, soft);

        long Number(string s) => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) && n >= -1
            ? n
            : throw new InvalidInputException(Invalid($"strconv.ParseInt: parsing \"{s}\": invalid syntax"));
    }

    /// <summary>The flags parsed, one per name (the last wins), sorted by name.</summary>
    public static IReadOnlyList<Ulimit> ParseAll(IEnumerable<string> values)
    {
        var byName = new SortedDictionary<string, Ulimit>(StringComparer.Ordinal);
        foreach (var u in values.Select(Parse)) byName[u.Name] = u;
        return byName.Values.ToList();
    }

    /// <summary>The spec's rlimits; refuses a hard limit above this process's own.</summary>
    public static IReadOnlyList<SpecRlimit>? ToSpec(IReadOnlyList<Ulimit> ulimits)
    {
        if (ulimits.Count == 0) return null;
        var result = new List<SpecRlimit>();
        foreach (var u in ulimits)
        {
            ulong hard = u.Hard < 0 ? ulong.MaxValue : (ulong)u.Hard, soft = u.Soft < 0 ? ulong.MaxValue : (ulong)u.Soft;
            ulong current = CurrentHard(u.Name);
            if (hard > current)
            {
                throw new InvalidInputException($"--ulimit {u.Name}: the hard limit {Show(hard)} is above this process's hard limit {Show(current)}; "
                    + "Kist never raises a hard limit (that needs CAP_SYS_RESOURCE): ask for at most " + Show(current));
            }
            result.Add(new SpecRlimit("RLIMIT_" + u.Name.ToUpperInvariant(), hard, soft));
        }
        return result;
    }

    private static ulong CurrentHard(string name) =>
        Sys.Getrlimit(Resources[name], out var limit) == 0 ? limit.Maximum : ulong.MaxValue;

    private static string Show(ulong value) => value == ulong.MaxValue ? "unlimited" : value.ToString(CultureInfo.InvariantCulture);
}
