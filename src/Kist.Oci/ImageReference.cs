using System.Text.RegularExpressions;

namespace Kist.Oci;

/// <summary>
/// A normalized image reference, parsed as Docker parses it: <c>busybox</c> is
/// <c>docker.io/library/busybox:latest</c>, <c>localhost:5000/a/b:1</c> keeps its registry,
/// and a digest may follow the tag (<c>name:tag@sha256:…</c>).
/// </summary>
public sealed partial record ImageReference
{
    public const string DefaultDomain = "docker.io";
    public const string DefaultTag = "latest";
    private const string LegacyDomain = "index.docker.io";
    private const int NameMaxLength = 255;

    /// <summary>The registry host, with its port if any (<c>docker.io</c>, <c>localhost:5000</c>).</summary>
    public string Domain { get; }
    /// <summary>The repository path inside the registry (<c>library/busybox</c>).</summary>
    public string Path { get; }
    public string? Tag { get; }
    public Digest? Digest { get; }

    private ImageReference(string domain, string path, string? tag, Digest? digest)
    {
        Domain = domain;
        Path = path;
        Tag = tag;
        Digest = digest;
    }

    /// <summary><c>domain/path</c>: the repository's full name.</summary>
    public string Repository => Domain + "/" + Path;

    /// <summary>The repository as docker shows it (<c>busybox</c>, <c>user/app</c>, <c>localhost:5000/app</c>).</summary>
    public string FamiliarRepository =>
        Domain != DefaultDomain ? Repository
        : Path.StartsWith("library/", StringComparison.Ordinal) && Path.IndexOf('/', 8) < 0 ? Path[8..]
        : Path;

    /// <summary>The full normalized form: <c>docker.io/library/busybox:latest</c>.</summary>
    public override string ToString() =>
        Repository + (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d : "");

    /// <summary>The form docker prints: <c>busybox:latest</c>.</summary>
    public string ToFamiliarString() =>
        FamiliarRepository + (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d : "");

    public ImageReference WithTag(string tag)
    {
        if (!TagRegex().IsMatch(tag)) throw new InvalidInputException($"invalid tag format \"{tag}\"");
        return new(Domain, Path, tag, null);
    }

    public ImageReference WithDigest(Digest digest) => new(Domain, Path, null, digest);

    public ImageReference WithoutTagOrDigest() => new(Domain, Path, null, null);

    /// <summary>Parses and normalizes a reference, adding <c>:latest</c> when it has neither tag nor digest.</summary>
    public static ImageReference Parse(string value) => ParseNormalized(value, addLatest: true);

    /// <summary>Parses and normalizes a reference and leaves it without a tag when it has none.</summary>
    public static ImageReference ParseRepository(string value) => ParseNormalized(value, addLatest: false);

    public static bool TryParse(string value, out ImageReference? reference)
    {
        try
        {
            reference = Parse(value);
            return true;
        }
        catch (InvalidInputException)
        {
            reference = null;
            return false;
        }
    }

    private static ImageReference ParseNormalized(string value, bool addLatest)
    {
        if (Hex64Regex().IsMatch(value))
        {
            throw Invalid(value, "cannot specify 64-byte hexadecimal strings");
        }
        // Split the registry from the rest exactly as docker's ParseNormalizedNamed does.
        string domain, remainder;
        int slash = value.IndexOf('/');
        if (slash < 0 || (value.AsSpan(0, slash).IndexOfAny('.', ':') < 0 && value[..slash] != "localhost" && value[..slash].ToLowerInvariant() == value[..slash]))
        {
            domain = DefaultDomain;
            remainder = value;
        }
        else
        {
            domain = value[..slash];
            remainder = value[(slash + 1)..];
        }
        if (domain == LegacyDomain) domain = DefaultDomain;
        if (domain == DefaultDomain && !remainder.Contains('/')) remainder = "library/" + remainder;

        var match = ReferenceRegex().Match(domain + "/" + remainder);
        if (!match.Success)
        {
            string repositoryPart = remainder.Split('@', 2)[0];
            int tagColon = repositoryPart.LastIndexOf(':');
            string pathPart = tagColon >= 0 ? repositoryPart[..tagColon] : repositoryPart;
            if (pathPart.ToLowerInvariant() != pathPart && ReferenceRegex().IsMatch(domain + "/" + remainder.ToLowerInvariant()))
            {
                throw Invalid(value, $"repository name ({pathPart}) must be lowercase");
            }
            throw Invalid(value, null);
        }
        string name = match.Groups["name"].Value;
        if (name.Length > NameMaxLength)
        {
            throw Invalid(value, $"repository name must not be more than {NameMaxLength} characters");
        }
        string path = name[(domain.Length + 1)..];
        string? tag = match.Groups["tag"].Success ? match.Groups["tag"].Value : null;
        Digest? digest = null;
        if (match.Groups["digest"].Success)
        {
            if (!Oci.Digest.TryParse(match.Groups["digest"].Value, out var parsed))
            {
                throw Invalid(value, "invalid digest");
            }
            digest = parsed;
        }
        if (addLatest && tag is null && digest is null) tag = DefaultTag;
        return new ImageReference(domain, path, tag, digest);
    }

    private static InvalidInputException Invalid(string value, string? why) =>
        new($"invalid reference format{(why is null ? "" : ": " + why)}: \"{(value.Length > 300 ? value[..300] + "…" : value)}\"");

    /// <summary>Whether <paramref name="value"/> is a valid tag: <c>[\w][\w.-]{0,127}</c>.</summary>
    public static bool IsValidTag(string value) => TagRegex().IsMatch(value);

    // The grammar of distribution/reference: domain, path components, tag, digest.
    private const string DomainComponent = @"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private const string Ipv6 = @"\[(?:[a-fA-F0-9:]+)\]";
    private const string Host = "(?:" + DomainComponent + @"(?:\." + DomainComponent + ")*|" + Ipv6 + ")";
    private const string DomainPattern = Host + "(?::[0-9]+)?";
    private const string PathComponent = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
    private const string NamePattern = DomainPattern + "/" + PathComponent + "(?:/" + PathComponent + ")*";
    private const string TagPattern = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    private const string DigestPattern = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

    [GeneratedRegex("^(?<name>" + NamePattern + ")(?::(?<tag>" + TagPattern + "))?(?:@(?<digest>" + DigestPattern + "))?$", RegexOptions.CultureInvariant)]
    private static partial Regex ReferenceRegex();

    [GeneratedRegex("^" + TagPattern + "$", RegexOptions.CultureInvariant)]
    private static partial Regex TagRegex();

    [GeneratedRegex("^[a-f0-9]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Hex64Regex();
}
