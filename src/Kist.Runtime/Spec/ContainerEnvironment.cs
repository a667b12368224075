using Kist.Oci;

namespace Kist.Runtime.Spec;

/// <summary>The environment of a container, merged in docker's order.</summary>
public static class ContainerEnvironment
{
    /// <summary>docker's create-time merge: the user's variables, then the image's ones the user did not set.</summary>
    public static IReadOnlyList<string> MergeConfig(IReadOnlyList<string> user, IReadOnlyList<string>? image)
    {
        if (user.Count == 0) return image ?? [];
        var result = user.ToList();
        var keys = user.Select(Key).ToHashSet(StringComparer.Ordinal);
        foreach (var variable in image ?? []) if (!keys.Contains(Key(variable))) result.Add(variable);
        return result;
    }

    /// <summary>docker's start-time environment: PATH, HOSTNAME and TERM first, replaced or extended by the config's.</summary>
    public static IReadOnlyList<string> ForProcess(IReadOnlyList<string> config, string hostname, bool tty)
    {
        var env = new List<string> { "PATH=" + DockerDefaults.Path, "HOSTNAME=" + hostname };
        if (tty) env.Add("TERM=xterm");
        return ReplaceOrAppend(env, config);
    }

    /// <summary>docker's ReplaceOrAppendEnvValues: a variable without '=' removes the default of that name.</summary>
    public static List<string> ReplaceOrAppend(List<string> defaults, IReadOnlyList<string> overrides)
    {
        foreach (var variable in overrides)
        {
            string key = Key(variable);
            int index = defaults.FindIndex(d => Key(d) == key);
            if (!variable.Contains('='))
            {
                if (index >= 0) defaults.RemoveAt(index);
                continue;
            }
            if (index >= 0) defaults[index] = variable;
            else defaults.Add(variable);
        }
        return defaults;
    }

    /// <summary>
    /// A <c>-e</c> value as docker's CLI reads it: <c>K=V</c> as is, <c>K</c> alone takes the caller's value or is dropped.
    /// </summary>
    public static string? FromFlag(string value, Func<string, string?> lookup)
    {
        if (value.Length == 0 || value[0] == '=') throw new InvalidInputException($"invalid environment variable: {value}");
        if (value.Contains('=')) return value;
        return lookup(value) is { } v ? value + "=" + v : null;
    }

    /// <summary>The lines of an <c>--env-file</c>: comments and blank lines skipped.</summary>
    public static IEnumerable<string> ParseEnvFile(IEnumerable<string> lines, Func<string, string?> lookup)
    {
        foreach (var raw in lines)
        {
            string line = raw.TrimStart();
            if (line.Length == 0 || line[0] == '#') continue;
            if (FromFlag(line.Contains('=') ? line : line.TrimEnd(), lookup) is { } v) yield return v;
        }
    }

    public static string Key(string variable)
    {
        int eq = variable.IndexOf('=');
        return eq < 0 ? variable : variable[..eq];
    }
}
