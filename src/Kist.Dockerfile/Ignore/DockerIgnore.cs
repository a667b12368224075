using System.Text;
using System.Text.RegularExpressions;

namespace Kist.Dockerfile.Ignore;

/// <summary>Reading <c>.dockerignore</c> files with docker's rules.</summary>
public static class DockerIgnore
{
    /// <summary>The default ignore file name.</summary>
    public const string DefaultFileName = ".dockerignore";

    /// <summary>
    /// The ignore files to look for, in order: <c>NAME.dockerignore</c> beside a Dockerfile called <c>NAME</c>,
    /// then <c>.dockerignore</c> at the context root. Paths are returned, never opened.
    /// </summary>
    public static IReadOnlyList<string> CandidatePaths(string dockerfilePath, string contextDirectory) =>
        [dockerfilePath + DefaultFileName, Path.Combine(contextDirectory, DefaultFileName)];

    /// <summary>Reads the patterns of an ignore file: comments and blank lines dropped, paths cleaned, leading <c>/</c> removed.</summary>
    public static IReadOnlyList<string> ReadPatterns(string text)
    {
        var patterns = new List<string>();
        var first = true;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (first && line.Length > 0 && line[0] == '\uFEFF') line = line[1..];
            first = false;
            if (line.StartsWith('#')) continue;
            var pattern = line.Trim();
            if (pattern.Length == 0) continue;
            var invert = pattern[0] == '!';
            if (invert) pattern = pattern[1..].Trim();
            if (pattern.Length > 0)
            {
                pattern = GoPath.Clean(pattern);
                if (pattern.Length > 1 && pattern[0] == '/') pattern = pattern[1..];
            }
            patterns.Add(invert ? "!" + pattern : pattern);
        }
        return patterns;
    }

    /// <summary>Reads an ignore file from a stream (UTF-8).</summary>
    public static IReadOnlyList<string> ReadPatterns(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
        return ReadPatterns(reader.ReadToEnd());
    }
}

/// <summary>Go's <c>path.Clean</c> for slash-separated paths.</summary>
public static class GoPath
{
    public static string Clean(string path)
    {
        if (path.Length == 0) return ".";
        var rooted = path[0] == '/';
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..") parts.RemoveAt(parts.Count - 1);
                else if (!rooted) parts.Add("..");
                continue;
            }
            parts.Add(part);
        }
        var joined = string.Join('/', parts);
        if (rooted) return "/" + joined;
        return joined.Length == 0 ? "." : joined;
    }

    /// <summary>Go's <c>path.Dir</c>.</summary>
    public static string Dir(string path)
    {
        var i = path.LastIndexOf('/');
        return Clean(i < 0 ? "" : path[..(i + 1)]);
    }
}

/// <summary>docker's pattern matcher (moby/patternmatcher): later patterns win, <c>!</c> re-includes.</summary>
public sealed class IgnoreMatcher
{
    private readonly IReadOnlyList<Pattern> _patterns;

    public IgnoreMatcher(IEnumerable<string> patterns)
    {
        var list = new List<Pattern>();
        foreach (var raw in patterns)
        {
            var p = raw.Trim();
            if (p.Length == 0) continue;
            p = GoPath.Clean(p);
            var exclusion = false;
            if (p[0] == '!')
            {
                if (p.Length == 1) throw new DockerfileException("illegal exclusion pattern: \"!\"");
                exclusion = true;
                p = p[1..];
            }
            ValidateGlob(p);
            list.Add(new Pattern(p, exclusion));
        }
        _patterns = list;
        HasExclusions = list.Any(x => x.Exclusion);
    }

    /// <summary>Some pattern starts with <c>!</c>.</summary>
    public bool HasExclusions { get; }

    /// <summary>The patterns as given (cleaned), <c>!</c> kept.</summary>
    public IEnumerable<string> Patterns => _patterns.Select(p => p.Exclusion ? "!" + p.Cleaned : p.Cleaned);

    /// <summary>Whether a context-relative, slash-separated path is excluded (it or one of its parents matches).</summary>
    public bool IsExcluded(string path)
    {
        path = GoPath.Clean(path.Replace('\\', '/'));
        if (path.StartsWith('/')) path = path.TrimStart('/');
        var matched = false;
        var parent = GoPath.Dir(path);
        string[]? parentDirs = null;
        foreach (var pattern in _patterns)
        {
            if (pattern.Exclusion != matched) continue;
            var match = pattern.Match(path);
            if (!match && parent != ".")
            {
                parentDirs ??= parent.Split('/');
                for (var i = 0; i < parentDirs.Length && !match; i++)
                    match = pattern.Match(string.Join('/', parentDirs, 0, i + 1));
            }
            if (match) matched = !pattern.Exclusion;
        }
        return matched;
    }

    // filepath.Match's syntax check: unclosed classes, bad ranges, a trailing backslash.
    private static void ValidateGlob(string p)
    {
        var i = 0;
        void Bad() => throw new DockerfileException($"syntax error in pattern: \"{p}\"");
        void Esc()
        {
            if (i >= p.Length || p[i] == '-' || p[i] == ']') Bad();
            if (p[i] == '\\')
            {
                i++;
                if (i >= p.Length) Bad();
            }
            i++;
        }
        while (i < p.Length)
        {
            var c = p[i];
            if (c == '\\')
            {
                i++;
                if (i >= p.Length) Bad();
                i++;
            }
            else if (c == '[')
            {
                i++;
                if (i < p.Length && p[i] == '^') i++;
                var n = 0;
                while (true)
                {
                    if (i < p.Length && p[i] == ']' && n > 0) { i++; break; }
                    Esc();
                    if (i < p.Length && p[i] == '-')
                    {
                        i++;
                        Esc();
                    }
                    n++;
                }
            }
            else i++;
        }
    }

    private enum MatchType { Exact, Prefix, Suffix, Regex }

    private sealed class Pattern
    {
        private readonly MatchType _type;
        private readonly Regex? _regex;

        public Pattern(string cleaned, bool exclusion)
        {
            Cleaned = cleaned;
            Exclusion = exclusion;
            var sb = new StringBuilder("^");
            var type = MatchType.Exact;
            var p = cleaned;
            for (var i = 0; i < p.Length; i++)
            {
                var ch = p[i];
                if (ch == '*')
                {
                    if (i + 1 < p.Length && p[i + 1] == '*')
                    {
                        var first = i == 0;
                        i++;
                        if (i + 1 < p.Length && p[i + 1] == '/') i++;
                        if (i + 1 >= p.Length)
                        {
                            if (type == MatchType.Exact) type = MatchType.Prefix;
                            else
                            {
                                sb.Append(".*");
                                type = MatchType.Regex;
                            }
                        }
                        else
                        {
                            sb.Append("(.*/)?");
                            type = MatchType.Regex;
                        }
                        if (first) type = MatchType.Suffix;
                    }
                    else
                    {
                        sb.Append("[^/]*");
                        type = MatchType.Regex;
                    }
                }
                else if (ch == '?')
                {
                    sb.Append("[^/]");
                    type = MatchType.Regex;
                }
                else if (".+()|{}$".Contains(ch))
                {
                    sb.Append('\\').Append(ch);
                }
                else if (ch == '\\')
                {
                    if (i + 1 < p.Length)
                    {
                        sb.Append('\\').Append(p[++i]);
                        type = MatchType.Regex;
                    }
                    else sb.Append("\\\\");
                }
                else if (ch is '[' or ']')
                {
                    sb.Append(ch);
                    type = MatchType.Regex;
                }
                else if (ch is ' ' or '#')
                {
                    sb.Append('\\').Append(ch);
                }
                else sb.Append(ch);
            }
            _type = type;
            if (type == MatchType.Regex)
            {
                sb.Append("(/.*)?\\z");
                try
                {
                    _regex = new Regex(sb.ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                }
                catch (ArgumentException e)
                {
                    throw new DockerfileException($"invalid pattern \"{cleaned}\": {e.Message}");
                }
            }
        }

        public string Cleaned { get; }
        public bool Exclusion { get; }

        public bool Match(string path)
        {
            switch (_type)
            {
                case MatchType.Exact:
                    return path == Cleaned;
                case MatchType.Prefix:
                    return path.StartsWith(Cleaned[..^2], StringComparison.Ordinal);
                case MatchType.Suffix:
                    var suffix = Cleaned[2..];
                    if (path.EndsWith(suffix, StringComparison.Ordinal)) return true;
                    return suffix.Length > 0 && suffix[0] == '/' && path == suffix[1..];
                default:
                    try
                    {
                        return _regex!.IsMatch(path);
                    }
                    catch (RegexMatchTimeoutException)
                    {
                        throw new DockerfileException($"pattern \"{Cleaned}\" took too long to match");
                    }
            }
        }
    }
}
