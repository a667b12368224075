using Kist.Oci;

namespace Kist.Build.Copy;

/// <summary>Go's <c>filepath.Match</c> on one path component: <c>*</c>, <c>?</c>, <c>[...]</c> classes (with <c>^</c>
/// negation and ranges) and backslash escapes.</summary>
public static class GoGlob
{
    /// <summary>Whether a source pattern has glob syntax (BuildKit's containsWildcards: an escaped character is not one).</summary>
    public static bool HasWildcards(string pattern)
    {
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\') { i++; continue; }
            if (c is '*' or '?' or '[') return true;
        }
        return false;
    }

    /// <summary>Removes backslash escapes from a pattern without wildcards.</summary>
    public static string Unescape(string pattern)
    {
        if (!pattern.Contains('\\')) return pattern;
        var sb = new System.Text.StringBuilder(pattern.Length);
        for (int i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\' && i + 1 < pattern.Length) i++;
            sb.Append(pattern[i]);
        }
        return sb.ToString();
    }

    /// <summary>filepath.Match(pattern, name) for a name without '/'. A malformed pattern throws.</summary>
    public static bool Match(string pattern, string name)
    {
        int p = 0, n = 0;
        int starP = -1, starN = 0;
        while (true)
        {
            if (p < pattern.Length)
            {
                char c = pattern[p];
                if (c == '*')
                {
                    starP = ++p;
                    starN = n;
                    continue;
                }
                if (n < name.Length && name[n] != '/')
                {
                    if (c == '?') { p++; n++; continue; }
                    if (c == '[')
                    {
                        var (ok, next) = MatchClass(pattern, p, name[n]);
                        if (ok) { p = next; n++; continue; }
                    }
                    else
                    {
                        if (c == '\\')
                        {
                            if (p + 1 >= pattern.Length) throw Bad(pattern);
                            c = pattern[p + 1];
                            if (c == name[n]) { p += 2; n++; continue; }
                        }
                        else if (c == name[n]) { p++; n++; continue; }
                    }
                }
            }
            else if (n == name.Length) return true;
            // Mismatch: let the last '*' swallow one more character (never a '/').
            if (starP >= 0 && starN < name.Length && name[starN] != '/')
            {
                p = starP;
                n = ++starN;
                continue;
            }
            Validate(pattern, p);
            return false;
        }
    }

    // A class at pattern[start] == '['; returns whether c matches and the index after ']'.
    private static (bool Ok, int Next) MatchClass(string pattern, int start, char c)
    {
        int i = start + 1;
        bool negate = i < pattern.Length && pattern[i] == '^';
        if (negate) i++;
        bool matched = false;
        int count = 0;
        while (true)
        {
            if (i < pattern.Length && pattern[i] == ']' && count > 0) { i++; break; }
            char lo = ClassChar(pattern, ref i);
            char hi = lo;
            if (i < pattern.Length && pattern[i] == '-')
            {
                i++;
                hi = ClassChar(pattern, ref i);
            }
            if (lo <= c && c <= hi) matched = true;
            count++;
        }
        return (matched != negate, i);
    }

    private static char ClassChar(string pattern, ref int i)
    {
        if (i >= pattern.Length || pattern[i] is '-' or ']') throw Bad(pattern);
        if (pattern[i] == '\\')
        {
            i++;
            if (i >= pattern.Length) throw Bad(pattern);
        }
        return pattern[i++];
    }

    // Go reports a malformed rest of the pattern even when the name already failed to match.
    private static void Validate(string pattern, int from)
    {
        for (int i = from; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\') { if (++i >= pattern.Length) throw Bad(pattern); }
            else if (pattern[i] == '[') i = MatchClass(pattern, i, '\0').Next - 1;
        }
    }

    private static InvalidInputException Bad(string pattern) => new($"syntax error in pattern: \"{pattern}\"");
}
