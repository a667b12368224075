using System.Text.RegularExpressions;
using Kist.Oci;

namespace Kist.Runtime.Volumes;

/// <summary>docker's local-driver name rules, and the random names of anonymous volumes.</summary>
public static partial class VolumeNames
{
    public static bool IsValid(string name) => name.Length >= 2 && Pattern().IsMatch(name);

    /// <summary>Throws docker's messages for a name the local driver refuses.</summary>
    public static void Validate(string name)
    {
        if (name.Length < 2) throw new InvalidInputException($"create {name}: volume name is too short, names should be at least two alphanumeric characters");
        if (!Pattern().IsMatch(name))
        {
            throw new InvalidInputException($"create {name}: \"{name}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
        }
    }

    /// <summary>64 hex digits, as docker names anonymous volumes.</summary>
    public static string NewAnonymous() => RandomHex.Create(32);

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex Pattern();
}
