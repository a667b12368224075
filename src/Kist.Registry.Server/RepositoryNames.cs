using System.Text.RegularExpressions;

namespace Kist.Registry.Server;

/// <summary>The distribution spec's grammar for repository names and tags.</summary>
public static partial class RepositoryNames
{
    /// <summary>Repository names longer than this are refused, as distribution refuses them.</summary>
    public const int MaxNameLength = 255;

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxNameLength && NamePattern().IsMatch(name);

    public static bool IsValidTag(string? tag) => !string.IsNullOrEmpty(tag) && TagPattern().IsMatch(tag);

    /// <summary>Throws <see cref="RegistryErrorException"/> (NAME_INVALID) unless <paramref name="name"/> is a valid repository name.</summary>
    public static string Validate(string name) =>
        IsValidName(name) ? name : throw RegistryErrors.NameInvalid(name);

    public static string ValidateTag(string tag) =>
        IsValidTag(tag) ? tag : throw RegistryErrors.TagInvalid(tag);
}
