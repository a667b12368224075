using System.Text;
using System.Text.RegularExpressions;

namespace Kist.Dockerfile.Shell;

/// <summary>The variables a word is expanded against.</summary>
public interface IVariableLookup
{
    bool TryGetValue(string name, out string value);
}

/// <summary>A lookup over a dictionary (ordinal, case-sensitive as on Linux).</summary>
public sealed class VariableMap : IVariableLookup
{
    public static readonly VariableMap Empty = new(new Dictionary<string, string>(StringComparer.Ordinal));

    private readonly IReadOnlyDictionary<string, string> _values;

    public VariableMap(IReadOnlyDictionary<string, string> values) => _values = values;

    /// <summary>Builds a map from <c>K=V</c> strings; a later key wins.</summary>
    public static VariableMap FromPairs(IEnumerable<string> pairs)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in pairs)
        {
            var i = p.IndexOf('=');
            if (i < 0) d[p] = "";
            else d[p[..i]] = p[(i + 1)..];
        }
        return new VariableMap(d);
    }

    public bool TryGetValue(string name, out string value)
    {
        if (_values.TryGetValue(name, out var v)) { value = v; return true; }
        value = "";
        return false;
    }
}

/// <summary>The result of expanding one word, with the variable names that were found and not found.</summary>
public sealed record ExpansionResult(string Result, IReadOnlyList<string> Words, IReadOnlySet<string> Matched, IReadOnlySet<string> Unmatched);

/// <summary>
/// Shell-word processing and variable expansion with BuildKit's semantics: <c>$VAR</c>, <c>${VAR}</c>,
/// the <c>:- - :+ + :? ? # ## % %% / //</c> operators, single and double quotes, and the escape token.
/// </summary>
public sealed class ShellLexer
{
    /// <summary>The deepest nesting of <c>${…}</c> accepted before failing.</summary>
    public const int MaxNesting = 128;

    public ShellLexer(char escapeToken = '\\') => EscapeToken = escapeToken;

    public char EscapeToken { get; }
    /// <summary>Keep quote characters in the result.</summary>
    public bool RawQuotes { get; init; }
    /// <summary>Keep escape characters in the result.</summary>
    public bool RawEscapes { get; init; }
    /// <summary>Leave references to unset variables as they are.</summary>
    public bool SkipUnsetEnv { get; init; }
    /// <summary>Treat quotes as ordinary characters.</summary>
    public bool SkipProcessQuotes { get; init; }

    /// <summary>Expands a word into a single string (whitespace kept).</summary>
    public string ProcessWord(string word, IVariableLookup env) => Process(word, env).Result;

    /// <summary>Expands a word and splits it into shell words.</summary>
    public IReadOnlyList<string> ProcessWords(string word, IVariableLookup env) => Process(word, env).Words;

    /// <summary>Expands a word, reporting the variable names that were and were not defined.</summary>
    public ExpansionResult ProcessWordWithMatches(string word, IVariableLookup env) => Process(word, env);

    private static readonly IReadOnlySet<string> NoNames = new HashSet<string>();

    private ExpansionResult Process(string word, IVariableLookup env)
    {
        // Nothing to expand, unquote or unescape: the word is its own result.
        if (word.AsSpan().IndexOfAny('$', '\'', '"') < 0 && word.IndexOf(EscapeToken) < 0)
        {
            return new ExpansionResult(word, SplitWords(word), NoNames, NoNames);
        }
        var sw = new ShellWord(this, word, env);
        try
        {
            var (result, words) = sw.ProcessStopOn(ShellWord.Eof, RawEscapes);
            return new ExpansionResult(result, words, sw.Matches, sw.NonMatches);
        }
        catch (ExpansionException e)
        {
            throw new ExpansionException($"failed to process \"{word}\": {e.Message}");
        }
    }

    private static IReadOnlyList<string> SplitWords(string word)
    {
        List<string>? words = null;
        var i = 0;
        while (i < word.Length)
        {
            while (i < word.Length && char.IsWhiteSpace(word[i])) i++;
            var start = i;
            while (i < word.Length && !char.IsWhiteSpace(word[i])) i++;
            if (i > start) (words ??= []).Add(start == 0 && i == word.Length ? word : word[start..i]);
        }
        return (IReadOnlyList<string>?)words ?? [];
    }

    private sealed class ShellWord(ShellLexer lexer, string src, IVariableLookup env)
    {
        public const int Eof = -1;
        private int _pos;
        private int _depth;
        private bool _rawEscapes = lexer.RawEscapes;
        public readonly HashSet<string> Matches = new(StringComparer.Ordinal);
        public readonly HashSet<string> NonMatches = new(StringComparer.Ordinal);

        private int Peek() => _pos < src.Length ? src[_pos] : Eof;
        private int Next() => _pos < src.Length ? src[_pos++] : Eof;

        private struct Words
        {
            public StringBuilder? Word;
            public List<string>? List;
            public bool InWord;

            public void AddChar(char ch)
            {
                if (char.IsWhiteSpace(ch))
                {
                    if (InWord && Word is { Length: > 0 })
                    {
                        (List ??= []).Add(Word.ToString());
                        Word.Clear();
                        InWord = false;
                    }
                }
                else AddRawChar(ch);
            }

            public void AddRawChar(char ch)
            {
                (Word ??= new StringBuilder()).Append(ch);
                InWord = true;
            }

            public void AddString(string s)
            {
                foreach (var ch in s) AddChar(ch);
            }

            public void AddRawString(string s)
            {
                (Word ??= new StringBuilder()).Append(s);
                InWord = true;
            }

            public IReadOnlyList<string> GetWords()
            {
                if (Word is { Length: > 0 })
                {
                    (List ??= []).Add(Word.ToString());
                    Word.Clear();
                    InWord = false;
                }
                return (IReadOnlyList<string>?)List ?? [];
            }
        }

        public (string Result, IReadOnlyList<string> Words) ProcessStopOn(int stopChar, bool rawEscapes)
        {
            var result = new StringBuilder();
            var words = new Words();
            var saved = _rawEscapes;
            _rawEscapes = rawEscapes;
            try
            {
                while (Peek() != Eof)
                {
                    var ch = Peek();
                    if (stopChar != Eof && ch == stopChar)
                    {
                        Next();
                        return (result.ToString(), words.GetWords());
                    }
                    if (ch == '$')
                    {
                        var tmp = ProcessDollar();
                        result.Append(tmp);
                        words.AddString(tmp);
                        continue;
                    }
                    if (!lexer.SkipProcessQuotes && (ch == '\'' || ch == '"'))
                    {
                        var tmp = ch == '\'' ? ProcessSingleQuote() : ProcessDoubleQuote();
                        result.Append(tmp);
                        words.AddRawString(tmp);
                        continue;
                    }
                    var c = (char)Next();
                    if (c == lexer.EscapeToken)
                    {
                        if (_rawEscapes)
                        {
                            words.AddRawChar(c);
                            result.Append(c);
                        }
                        var n = Next();
                        if (n == Eof) break;
                        c = (char)n;
                        words.AddRawChar(c);
                    }
                    else
                    {
                        words.AddChar(c);
                    }
                    result.Append(c);
                }
                if (stopChar != Eof)
                    throw new ExpansionException($"unexpected end of statement while looking for matching {(char)stopChar}");
                return (result.ToString(), words.GetWords());
            }
            finally
            {
                _rawEscapes = saved;
            }
        }

        private string ProcessSingleQuote()
        {
            var result = new StringBuilder();
            var ch = Next();
            if (lexer.RawQuotes) result.Append((char)ch);
            while (true)
            {
                ch = Next();
                if (ch == Eof) throw new ExpansionException("unexpected end of statement while looking for matching single-quote");
                if (ch == '\'')
                {
                    if (lexer.RawQuotes) result.Append('\'');
                    return result.ToString();
                }
                result.Append((char)ch);
            }
        }

        private string ProcessDoubleQuote()
        {
            var result = new StringBuilder();
            var ch = Next();
            if (lexer.RawQuotes) result.Append((char)ch);
            while (true)
            {
                var p = Peek();
                if (p == Eof) throw new ExpansionException("unexpected end of statement while looking for matching double-quote");
                if (p == '"')
                {
                    Next();
                    if (lexer.RawQuotes) result.Append('"');
                    return result.ToString();
                }
                if (p == '$')
                {
                    result.Append(ProcessDollar());
                    continue;
                }
                ch = Next();
                if (ch == lexer.EscapeToken)
                {
                    if (_rawEscapes) result.Append((char)ch);
                    var q = Peek();
                    if (q == Eof) continue;
                    if (q == '"' || q == '$' || q == lexer.EscapeToken) ch = Next();
                }
                result.Append((char)ch);
            }
        }

        private string ProcessDollar()
        {
            Next();
            if (Peek() != '{')
            {
                var n = ProcessName();
                if (n.Length == 0) return "$";
                var (v, found) = GetEnv(n);
                if (!found && lexer.SkipUnsetEnv) return "$" + n;
                return v;
            }
            if (++_depth > MaxNesting)
                throw new ExpansionException($"variable substitution nested deeper than {MaxNesting} levels");
            try
            {
                return ProcessBrace();
            }
            finally
            {
                _depth--;
            }
        }

        private string ProcessBrace()
        {
            Next();
            switch (Peek())
            {
                case Eof: throw new ExpansionException("syntax error: missing '}'");
                case '{' or '}' or ':': throw new ExpansionException("syntax error: bad substitution");
            }
            var name = ProcessName();
            if (Peek() == Eof) throw new ExpansionException("syntax error: missing '}'");
            var ch = Next();
            var chs = ch == Eof ? "" : ((char)ch).ToString();
            var nullIsUnset = false;
            switch (ch)
            {
                case '}':
                {
                    var (v, set) = GetEnv(name);
                    if (!set && lexer.SkipUnsetEnv) return "${" + name + "}";
                    return v;
                }
                case ':' or '+' or '-' or '?' or '#' or '%':
                {
                    if (ch == ':')
                    {
                        nullIsUnset = true;
                        ch = Next();
                        chs += ch == Eof ? "" : ((char)ch).ToString();
                    }
                    var raw = ch == '#' || ch == '%';
                    if (nullIsUnset && raw) throw new ExpansionException($"unsupported modifier ({chs}) in substitution");
                    string word;
                    try
                    {
                        word = ProcessStopOn('}', raw).Result;
                    }
                    catch (ExpansionException) when (Peek() == Eof)
                    {
                        throw new ExpansionException("syntax error: missing '}'");
                    }
                    var (value, set) = GetEnv(name);
                    if (lexer.SkipUnsetEnv && !set) return "${" + name + chs + word + "}";
                    switch (ch)
                    {
                        case '-':
                            return !set || (nullIsUnset && value.Length == 0) ? word : value;
                        case '+':
                            return !set || (nullIsUnset && value.Length == 0) ? "" : word;
                        case '?':
                            if (!set) throw new ExpansionException($"{name}: {(word.Length > 0 ? word : "is not allowed to be unset")}");
                            if (nullIsUnset && value.Length == 0) throw new ExpansionException($"{name}: {(word.Length > 0 ? word : "is not allowed to be empty")}");
                            return value;
                        case '%' or '#':
                            var greedy = false;
                            if (word.Length > 0 && word[0] == ch)
                            {
                                greedy = true;
                                word = word[1..];
                            }
                            return ch == '%' ? ShellPattern.TrimSuffix(word, value, greedy) : ShellPattern.TrimPrefix(word, value, greedy);
                        default:
                            throw new ExpansionException($"unsupported modifier ({chs}) in substitution");
                    }
                }
                case '/':
                {
                    var all = Peek() == '/';
                    if (all) Next();
                    string pattern, replacement;
                    try
                    {
                        pattern = ProcessStopOn('/', true).Result;
                    }
                    catch (ExpansionException) when (Peek() == Eof)
                    {
                        throw new ExpansionException("syntax error: missing '/' in ${}");
                    }
                    try
                    {
                        replacement = ProcessStopOn('}', true).Result;
                    }
                    catch (ExpansionException) when (Peek() == Eof)
                    {
                        throw new ExpansionException("syntax error: missing '}'");
                    }
                    var (value, set) = GetEnv(name);
                    if (lexer.SkipUnsetEnv && !set) return "${" + name + "/" + pattern + "/" + replacement + "}";
                    return ShellPattern.Replace(pattern, value, replacement, all);
                }
                default:
                    throw new ExpansionException($"unsupported modifier ({chs}) in substitution");
            }
        }

        private string ProcessName()
        {
            var start = _pos;
            while (Peek() != Eof)
            {
                var ch = (char)Peek();
                if (_pos == start && char.IsDigit(ch))
                {
                    while (Peek() != Eof && char.IsDigit((char)Peek())) Next();
                    return src[start.._pos];
                }
                if (_pos == start && IsSpecialParam(ch))
                {
                    Next();
                    return ch.ToString();
                }
                if (char.IsHighSurrogate(ch) && _pos + 1 < src.Length && char.IsLowSurrogate(src[_pos + 1]))
                {
                    var r = new Rune(ch, src[_pos + 1]);
                    if (!Rune.IsLetter(r) && !Rune.IsDigit(r)) break;
                    _pos += 2;
                    continue;
                }
                if (!char.IsLetter(ch) && !char.IsDigit(ch) && ch != '_') break;
                Next();
            }
            return src[start.._pos];
        }

        private static bool IsSpecialParam(char c) => c is '@' or '*' or '#' or '?' or '-' or '$' or '!' or '0';

        private (string Value, bool Found) GetEnv(string name)
        {
            if (env.TryGetValue(name, out var v))
            {
                Matches.Add(name);
                return (v, true);
            }
            NonMatches.Add(name);
            return ("", false);
        }
    }
}

/// <summary>Shell patterns of <c>${VAR#p}</c>, <c>${VAR%p}</c> and <c>${VAR/p/r}</c>: <c>*</c>, <c>?</c> and escapes.</summary>
internal static class ShellPattern
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private static Regex Convert(string pattern, bool greedy, bool anchored)
    {
        var sb = new StringBuilder(pattern.Length + 8);
        if (anchored) sb.Append('^');
        var star = greedy ? ".*" : ".*?";
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*': sb.Append(star); break;
                case '?': sb.Append(@"(?:[\uD800-\uDBFF][\uDC00-\uDFFF]|.)"); break;
                case '\\':
                    if (i + 1 < pattern.Length && (pattern[i + 1] == '}' || pattern[i + 1] == '/')) break;
                    if (i + 1 >= pattern.Length) throw new ExpansionException($"invalid pattern ({pattern}) in substitution: invalid escape '\\'");
                    var n = pattern[++i];
                    if (n != '*' && n != '?' && n != '\\') throw new ExpansionException($"invalid pattern ({pattern}) in substitution: invalid escape '\\{n}'");
                    sb.Append('\\').Append(n);
                    break;
                default:
                    if (char.IsLetterOrDigit(c) || c == '_' || c > 127) sb.Append(c);
                    else sb.Append('\\').Append(c is '\n' ? 'n' : c is '\t' ? 't' : c is '\r' ? 'r' : c is '\f' ? 'f' : c is '\v' ? 'v' : c);
                    break;
            }
        }
        return new Regex(sb.ToString(), RegexOptions.CultureInvariant, Timeout);
    }

    public static string TrimPrefix(string pattern, string value, bool greedy)
    {
        var m = Run(() => Convert(pattern, greedy, true).Match(value));
        return m.Success ? value[(m.Index + m.Length)..] : value;
    }

    public static string TrimSuffix(string pattern, string value, bool greedy)
    {
        var r = TrimPrefix(ReversePattern(pattern), Reverse(value), greedy);
        return Reverse(r);
    }

    public static string Replace(string pattern, string value, string replacement, bool all)
    {
        var re = Convert(pattern, true, false);
        if (all) return Run(() => re.Replace(value, m => ExpandGoTemplate(replacement, m.Value)));
        var m = Run(() => re.Match(value));
        return m.Success ? string.Concat(value.AsSpan(0, m.Index), replacement, value.AsSpan(m.Index + m.Length)) : value;
    }

    /// <summary>Go's regexp template expansion for a pattern without groups: <c>$0</c> is the match, <c>$$</c> a dollar, other names empty.</summary>
    private static string ExpandGoTemplate(string template, string match)
    {
        if (!template.Contains('$')) return template;
        var sb = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c != '$' || i + 1 >= template.Length) { sb.Append(c); continue; }
            if (template[i + 1] == '$') { sb.Append('$'); i++; continue; }
            string? name = null;
            var end = i + 1;
            if (template[i + 1] == '{')
            {
                var j = i + 2;
                while (j < template.Length && (char.IsLetterOrDigit(template[j]) || template[j] == '_')) j++;
                if (j > i + 2 && j < template.Length && template[j] == '}') { name = template[(i + 2)..j]; end = j + 1; }
            }
            else
            {
                var j = i + 1;
                while (j < template.Length && (char.IsLetterOrDigit(template[j]) || template[j] == '_')) j++;
                if (j > i + 1) { name = template[(i + 1)..j]; end = j; }
            }
            if (name is null) { sb.Append('$'); continue; }
            if (name.All(char.IsAsciiDigit) && int.TryParse(name, out var n) && n == 0) sb.Append(match);
            i = end - 1;
        }
        return sb.ToString();
    }

    private static T Run<T>(Func<T> f)
    {
        try { return f(); }
        catch (RegexMatchTimeoutException) { throw new ExpansionException("pattern matching took too long"); }
    }

    private static string ReversePattern(string pattern)
    {
        var runes = pattern.EnumerateRunes().ToArray();
        var o = new Rune[runes.Length];
        var last = runes.Length - 1;
        for (var i = 0; i <= last;)
        {
            var t = runes[i];
            var oi = last - i;
            if (t.Value == '\\' && i != last)
            {
                o[oi - 1] = t;
                o[oi] = runes[i + 1];
                i += 2;
            }
            else
            {
                o[oi] = t;
                i++;
            }
        }
        return Join(o);
    }

    private static string Reverse(string s)
    {
        var runes = s.EnumerateRunes().ToArray();
        Array.Reverse(runes);
        return Join(runes);
    }

    private static string Join(Rune[] runes)
    {
        var sb = new StringBuilder();
        foreach (var r in runes) sb.Append(r.ToString());
        return sb.ToString();
    }
}
