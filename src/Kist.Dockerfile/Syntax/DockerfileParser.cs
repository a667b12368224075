using System.Text;
using System.Text.Json;
using Kist.Dockerfile.Shell;

namespace Kist.Dockerfile.Syntax;

/// <summary>Limits that keep a hostile Dockerfile from costing more than a clear error.</summary>
public sealed record ParserLimits
{
    public static readonly ParserLimits Default = new();

    /// <summary>The largest Dockerfile accepted, in bytes (when read from a stream) or characters.</summary>
    public int MaxFileSize { get; init; } = 32 * 1024 * 1024;
    /// <summary>The longest physical line accepted.</summary>
    public int MaxLineLength { get; init; } = 4 * 1024 * 1024;
}

/// <summary>
/// The Dockerfile parser: parser directives, comments, line continuations, heredocs, flags, JSON versus
/// shell form. Produces the same tree as BuildKit's <c>frontend/dockerfile/parser</c>.
/// </summary>
public static class DockerfileParser
{
    private static readonly HashSet<string> HeredocInstructions = new(StringComparer.OrdinalIgnoreCase) { "ADD", "COPY", "RUN" };

    /// <summary>Reads a Dockerfile from a stream (strict UTF-8, a leading BOM allowed) and parses it.</summary>
    public static ParseResult Parse(Stream stream, ParserLimits? limits = null)
    {
        limits ??= ParserLimits.Default;
        return Parse(ReadSource(stream, limits), limits);
    }

    /// <summary>Decodes a Dockerfile's bytes: strict UTF-8 (error with line and column on invalid bytes), size limit.</summary>
    public static string ReadSource(Stream stream, ParserLimits? limits = null)
    {
        limits ??= ParserLimits.Default;
        using var ms = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (ms.Length + n > limits.MaxFileSize)
                throw new DockerfileException($"Dockerfile is larger than the maximum of {limits.MaxFileSize} bytes");
            ms.Write(buffer, 0, n);
        }
        return Decode(ms.GetBuffer().AsSpan(0, (int)ms.Length));
    }

    /// <summary>Decodes UTF-8 bytes strictly, reporting the line and column of the first invalid byte.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return Encoding.UTF8.GetString(bytes);
        var line = 1;
        var col = 1;
        var i = 0;
        while (i < bytes.Length)
        {
            var status = Rune.DecodeFromUtf8(bytes[i..], out var r, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
                throw new DockerfileException($"invalid UTF-8 byte 0x{bytes[i]:x2}: a Dockerfile must be UTF-8 text", SourceRange.At(line, col));
            if (r.Value == '\n') { line++; col = 1; }
            else col++;
            i += consumed;
        }
        throw new DockerfileException("invalid UTF-8: a Dockerfile must be UTF-8 text");
    }

    /// <summary>Parses Dockerfile text.</summary>
    public static ParseResult Parse(string text, ParserLimits? limits = null)
    {
        limits ??= ParserLimits.Default;
        if (text.Length > limits.MaxFileSize)
            throw new DockerfileException($"Dockerfile is larger than the maximum of {limits.MaxFileSize} characters");
        var nul = text.IndexOf('\0');
        if (nul >= 0)
        {
            var (l, c) = LineColumnOf(text, nul);
            throw new DockerfileException("NUL character in Dockerfile: a Dockerfile must be text", SourceRange.At(l, c));
        }
        return new Parser(text, limits).Run();
    }

    private static (int Line, int Column) LineColumnOf(string text, int index)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index; i++)
        {
            if (text[i] == '\n') { line++; lineStart = i + 1; }
        }
        return (line, index - lineStart + 1);
    }

    private sealed class Parser(string text, ParserLimits limits)
    {
        private int _pos;
        private int _currentLine;
        private char _escape = '\\';
        private bool _directivesDone;
        private readonly List<ParserDirective> _directives = [];
        private readonly List<ParseWarning> _warnings = [];

        // The physical line just read, without its trailing newline characters; RawEnd is where the raw line
        // (newline included) ends, for heredoc bodies.
        private int _rawStart;
        private int _rawEnd;

        private bool ReadLine(out string line)
        {
            if (_pos >= text.Length) { line = ""; return false; }
            var nl = text.IndexOf('\n', _pos);
            var end = nl < 0 ? text.Length : nl + 1;
            if (end - _pos > limits.MaxLineLength)
                throw new DockerfileException($"line is longer than the maximum of {limits.MaxLineLength} characters", SourceRange.Lines(_currentLine + 1, _currentLine + 1));
            _rawStart = _pos;
            _rawEnd = end;
            var trimmed = end;
            while (trimmed > _pos && text[trimmed - 1] is '\r' or '\n') trimmed--;
            line = text.Substring(_pos, trimmed - _pos);
            _pos = end;
            return true;
        }

        public ParseResult Run()
        {
            var children = new List<Node>();
            var comments = new List<string>();
            var buf = new StringBuilder();
            var segments = new List<(int Offset, int Line, int Column)>();
            while (ReadLine(out var line))
            {
                if (_currentLine == 0 && line.Length > 0 && line[0] == '\uFEFF') line = line[1..];
                if (IsComment(line))
                {
                    var comment = line.TrimStart()[1..].Trim();
                    if (comment.Length == 0) comments.Clear();
                    else comments.Add(comment);
                }
                var leading = 0;
                while (leading < line.Length && char.IsWhiteSpace(line[leading])) leading++;
                var stripped = leading == 0 ? line : line[leading..];
                CheckDirective(stripped, _currentLine + 1);
                var content = IsComment(stripped) ? "" : stripped;
                _currentLine++;
                var startLine = _currentLine;
                var isEnd = !TrimContinuation(ref content);
                if (isEnd && content.Length == 0) continue;
                buf.Clear();
                segments.Clear();
                segments.Add((0, startLine, leading + 1));
                buf.Append(content);
                var endColumn = leading + content.Length + 1;
                var hasEmptyContinuation = false;
                while (!isEnd && ReadLine(out var next))
                {
                    CheckDirective(next, _currentLine + 1);
                    _currentLine++;
                    if (IsComment(next)) continue;
                    if (next.AsSpan().TrimStart().Length == 0)
                    {
                        hasEmptyContinuation = true;
                        continue;
                    }
                    var cont = next;
                    isEnd = !TrimContinuation(ref cont);
                    segments.Add((buf.Length, _currentLine, 1));
                    buf.Append(cont);
                    endColumn = cont.Length + 1;
                }
                var logical = buf.ToString();
                if (hasEmptyContinuation)
                {
                    _warnings.Add(new ParseWarning("NoEmptyContinuation", "Empty continuation line", SourceRange.Lines(_currentLine, _currentLine)));
                }
                var segs = segments.ToArray();
                SourcePosition At(int offset)
                {
                    int lo = 0, hi = segs.Length - 1;
                    while (lo < hi)
                    {
                        var mid = (lo + hi + 1) / 2;
                        if (segs[mid].Offset <= offset) lo = mid;
                        else hi = mid - 1;
                    }
                    var s = segs[lo];
                    return new SourcePosition(s.Line, s.Column + (offset - s.Offset));
                }
                Node child;
                try
                {
                    child = NodeFromLine(logical, comments.Count == 0 ? [] : comments.ToArray(), At);
                }
                catch (DockerfileException e)
                {
                    throw e.WithRange(new SourceRange(new SourcePosition(startLine, leading + 1), new SourcePosition(_currentLine, 0)));
                }
                child.StartLine = startLine;
                child.StartColumn = leading + 1;
                if (CanContainHeredoc(child) && logical.Contains("<<", StringComparison.Ordinal))
                {
                    var docs = HeredocsFromLine(logical, startLine, _currentLine);
                    var read = new List<Heredoc>(docs.Count);
                    foreach (var doc in docs)
                    {
                        var body = new StringBuilder();
                        var terminated = false;
                        while (ReadLine(out var l))
                        {
                            _currentLine++;
                            var candidate = doc.Chomp ? l.TrimStart('\t') : l;
                            if (candidate == doc.Name)
                            {
                                terminated = true;
                                endColumn = l.Length + 1;
                                break;
                            }
                            body.Append(text, _rawStart, _rawEnd - _rawStart);
                            if (text[_rawEnd - 1] != '\n') body.Append('\n');
                        }
                        if (!terminated)
                            throw new DockerfileException($"unterminated heredoc: no line \"{doc.Name}\" ends the heredoc started on line {startLine}", SourceRange.Lines(startLine, _currentLine));
                        read.Add(doc with { Content = body.ToString() });
                    }
                    child.Heredocs = read;
                }
                child.EndLine = _currentLine;
                child.EndColumn = endColumn;
                children.Add(child);
                comments.Clear();
            }
            if (children.Count == 0)
                throw new DockerfileException("file with no instructions", SourceRange.Lines(Math.Max(1, _currentLine), Math.Max(1, _currentLine)));
            return new ParseResult(children, _escape, new ParserDirectives(_directives), _warnings, _currentLine);
        }

        private static bool IsComment(string line)
        {
            var t = line.AsSpan().TrimStart();
            return t.Length > 0 && t[0] == '#';
        }

        // A trailing escape token (not itself escaped), optionally followed by blanks, continues the line.
        private bool TrimContinuation(ref string line)
        {
            var end = line.Length;
            while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) end--;
            if (end == 0 || line[end - 1] != _escape) return false;
            if (end >= 2 && line[end - 2] == '\\') return false;
            line = line[..(end - 1)];
            return true;
        }

        private void CheckDirective(string line, int lineNumber)
        {
            if (_directivesDone) return;
            // ^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$
            var s = line.AsSpan();
            if (s.Length == 0 || s[0] != '#') { _directivesDone = true; return; }
            var i = 1;
            while (i < s.Length && IsReSpace(s[i])) i++;
            var nameStart = i;
            if (i >= s.Length || !char.IsAsciiLetter(s[i])) { _directivesDone = true; return; }
            while (i < s.Length && char.IsAsciiLetterOrDigit(s[i])) i++;
            var name = s[nameStart..i].ToString().ToLowerInvariant();
            while (i < s.Length && IsReSpace(s[i])) i++;
            if (i >= s.Length || s[i] != '=') { _directivesDone = true; return; }
            i++;
            var value = s[i..].Trim(" \t\n\f\r\v").ToString();
            if (value.Length == 0 || name is not ("syntax" or "escape" or "check")) { _directivesDone = true; return; }
            if (_directives.Any(d => d.Name == name))
                throw new DockerfileException($"only one {name} parser directive can be used", SourceRange.Lines(lineNumber, lineNumber));
            if (name == "escape")
            {
                if (value is not ("`" or "\\"))
                    throw new DockerfileException($"invalid escape token '{value}' does not match ` or \\", SourceRange.Lines(lineNumber, lineNumber));
                _escape = value[0];
            }
            _directives.Add(new ParserDirective(name, value, lineNumber));
        }

        private static bool IsReSpace(char c) => c is ' ' or '\t' or '\n' or '\f' or '\r';

        private Node NodeFromLine(string line, string[] comments, Func<int, SourcePosition> at)
        {
            var (cmd, flags, flagOffsets, args, argsOffset) = SplitCommand(line);
            var upper = cmd.ToUpperInvariant();
            var (next, json) = upper switch
            {
                "ADD" or "COPY" or "VOLUME" => ParseMaybeJsonToList(args),
                "ARG" => (ParseNameOrNameVal(args), false),
                "CMD" or "ENTRYPOINT" or "RUN" or "SHELL" => ParseMaybeJson(args),
                "ENV" or "LABEL" => (ParseNameVal(args, upper), false),
                "EXPOSE" or "FROM" => (ParseWhitespaceDelimited(args), false),
                "HEALTHCHECK" => ParseHealthConfig(args),
                "MAINTAINER" or "STOPSIGNAL" or "USER" or "WORKDIR" => (args.Length == 0 ? null : new Node { Value = args }, false),
                "ONBUILD" => (args.Length == 0 ? null : new Node { Children = [NodeFromLine(args, [], o => at(argsOffset + o))] }, false),
                _ => (null, false),
            };
            return new Node
            {
                Value = cmd,
                Original = line,
                Flags = flags,
                FlagPositions = flagOffsets.Length == 0 ? [] : flagOffsets.Select(at).ToArray(),
                Next = next,
                IsJson = json,
                PrevComment = comments,
            };
        }

        private static bool IsGoSpace(char c) => char.IsWhiteSpace(c);
        private static bool IsReWhitespace(char c) => c is '\t' or '\v' or '\f' or '\r' or ' ';

        private static (string Cmd, string[] Flags, int[] FlagOffsets, string Args, int ArgsOffset) SplitCommand(string line)
        {
            var start = 0;
            while (start < line.Length && IsGoSpace(line[start])) start++;
            var end = line.Length;
            while (end > start && IsGoSpace(line[end - 1])) end--;
            var i = start;
            while (i < end && !IsReWhitespace(line[i])) i++;
            var cmd = line[start..i];
            if (i >= end) return (cmd, [], [], "", end);
            while (i < end && IsReWhitespace(line[i])) i++;
            var (rest, restOffset, flags, offsets) = ExtractBuilderFlags(line, i, end);
            // strings.TrimSpace(args)
            var a = restOffset;
            var b = restOffset + rest.Length;
            while (a < b && IsGoSpace(line[a])) a++;
            while (b > a && IsGoSpace(line[b - 1])) b--;
            return (cmd, flags, offsets, line[a..b], a);
        }

        private static (string Remainder, int RestOffset, string[] Flags, int[] Offsets) ExtractBuilderFlags(string line, int from, int to)
        {
            var first = from;
            while (first < to && IsGoSpace(line[first])) first++;
            if (first + 1 >= to || line[first] != '-' || line[first + 1] != '-') return (line[first..to], first, [], []);
            var words = new List<string>();
            var offsets = new List<int>();
            var word = new StringBuilder();
            var phase = 0; // 0 spaces, 1 word, 2 quote
            var quote = '\0';
            var blankOk = false;
            var wordStart = 0;
            for (var pos = from; pos <= to; pos++)
            {
                var ch = pos < to ? line[pos] : '\0';
                if (phase == 0)
                {
                    if (pos == to) break;
                    if (IsGoSpace(ch)) continue;
                    if (ch != '-' || pos + 1 == to || line[pos + 1] != '-') return (line[pos..to], pos, words.ToArray(), offsets.ToArray());
                    phase = 1;
                    wordStart = pos;
                }
                if (pos == to)
                {
                    var w = word.ToString();
                    if (w != "--" && (blankOk || w.Length > 0)) { words.Add(w); offsets.Add(wordStart); }
                    break;
                }
                if (phase == 1)
                {
                    if (IsGoSpace(ch))
                    {
                        phase = 0;
                        var w = word.ToString();
                        if (w == "--") return (line[pos..to], pos, words.ToArray(), offsets.ToArray());
                        if (blankOk || w.Length > 0) { words.Add(w); offsets.Add(wordStart); }
                        word.Clear();
                        blankOk = false;
                        continue;
                    }
                    if (ch is '\'' or '"')
                    {
                        quote = ch;
                        blankOk = true;
                        phase = 2;
                        continue;
                    }
                    if (ch == '\\')
                    {
                        if (pos + 1 == to) continue;
                        pos++;
                        ch = line[pos];
                    }
                    word.Append(ch);
                    continue;
                }
                // in quote
                if (ch == quote)
                {
                    phase = 1;
                    continue;
                }
                if (ch == '\\')
                {
                    if (pos + 1 == to)
                    {
                        phase = 1;
                        continue;
                    }
                    pos++;
                    ch = line[pos];
                }
                word.Append(ch);
            }
            return ("", to, words.ToArray(), offsets.ToArray());
        }

        private static Node? Chain(IEnumerable<string> values)
        {
            Node? top = null, prev = null;
            foreach (var v in values)
            {
                var n = new Node { Value = v };
                if (prev is null) top = n;
                else prev.Next = n;
                prev = n;
            }
            return top;
        }

        private static List<string> SplitReWhitespace(string rest)
        {
            var list = new List<string>();
            var i = 0;
            var start = 0;
            while (i < rest.Length)
            {
                if (IsReWhitespace(rest[i]))
                {
                    list.Add(rest[start..i]);
                    while (i < rest.Length && IsReWhitespace(rest[i])) i++;
                    start = i;
                }
                else i++;
            }
            list.Add(rest[start..]);
            return list;
        }

        private static Node? ParseWhitespaceDelimited(string rest) => rest.Length == 0 ? null : Chain(SplitReWhitespace(rest));

        private sealed class NotStringArrayException() : DockerfileException("when using JSON array syntax, arrays must be comprised of strings only");

        private static readonly JsonReaderOptions JsonOptions = new() { MaxDepth = 10000 };

        // Go's json.Unmarshal into []interface{}: invalid JSON falls back to shell form; valid JSON that is not an
        // array of strings is an error.
        private static (Node? Node, bool Ok) ParseJson(string rest)
        {
            var t = rest.AsSpan().TrimStart();
            if (t.Length == 0 || t[0] != '[') return (null, false);
            var max = Encoding.UTF8.GetMaxByteCount(t.Length);
            var rented = max > 4096 ? System.Buffers.ArrayPool<byte>.Shared.Rent(max) : null;
            Span<byte> buffer = rented ?? stackalloc byte[4096];
            try
            {
                var n = Encoding.UTF8.GetBytes(t, buffer);
                var reader = new Utf8JsonReader(buffer[..n], isFinalBlock: true, new JsonReaderState(JsonOptions));
                var values = new List<string>();
                var notString = false;
                try
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return (null, false);
                    while (reader.Read())
                    {
                        if (reader.CurrentDepth == 0) break; // the closing bracket of the top array
                        if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.String) values.Add(reader.GetString()!);
                        else notString = true;
                    }
                    if (reader.TokenType != JsonTokenType.EndArray || reader.CurrentDepth != 0) return (null, false);
                    if (reader.Read()) return (null, false);
                }
                catch (JsonException)
                {
                    return (null, false);
                }
                if (notString) throw new NotStringArrayException();
                return (Chain(values), true);
            }
            finally
            {
                if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }

        private static (Node? Node, bool Json) ParseMaybeJson(string rest)
        {
            if (rest.Length == 0) return (null, false);
            var (node, ok) = ParseJson(rest);
            if (ok) return (node, true);
            return (new Node { Value = rest }, false);
        }

        private static (Node? Node, bool Json) ParseMaybeJsonToList(string rest)
        {
            var (node, ok) = ParseJson(rest);
            if (ok) return (node, true);
            return (ParseWhitespaceDelimited(rest), false);
        }

        private static (Node? Node, bool Json) ParseHealthConfig(string rest)
        {
            var sep = 0;
            while (sep < rest.Length && !IsGoSpace(rest[sep])) sep++;
            var next = sep;
            while (next < rest.Length && IsGoSpace(rest[next])) next++;
            if (sep == 0) return (null, false);
            var (cmd, json) = ParseMaybeJson(rest[next..]);
            return (new Node { Value = rest[..sep], Next = cmd }, json);
        }

        internal List<string> ParseWords(string rest)
        {
            var words = new List<string>();
            var phase = 0;
            var word = new StringBuilder();
            var quote = '\0';
            var blankOk = false;
            for (var pos = 0; pos <= rest.Length; pos++)
            {
                var ch = pos < rest.Length ? rest[pos] : '\0';
                if (phase == 0)
                {
                    if (pos == rest.Length) break;
                    if (IsGoSpace(ch)) continue;
                    phase = 1;
                }
                if (pos == rest.Length)
                {
                    if (blankOk || word.Length > 0) words.Add(word.ToString());
                    break;
                }
                if (phase == 1)
                {
                    if (IsGoSpace(ch))
                    {
                        phase = 0;
                        if (blankOk || word.Length > 0) words.Add(word.ToString());
                        word.Clear();
                        blankOk = false;
                        continue;
                    }
                    if (ch is '\'' or '"')
                    {
                        quote = ch;
                        blankOk = true;
                        phase = 2;
                    }
                    if (ch == _escape)
                    {
                        if (pos + 1 == rest.Length) continue;
                        word.Append(ch);
                        pos++;
                        ch = rest[pos];
                    }
                    word.Append(ch);
                    continue;
                }
                if (ch == quote) phase = 1;
                if (ch == _escape && quote != '\'')
                {
                    if (pos + 1 == rest.Length)
                    {
                        phase = 1;
                        continue;
                    }
                    pos++;
                    word.Append(ch);
                    ch = rest[pos];
                }
                word.Append(ch);
            }
            return words;
        }

        private Node? ParseNameOrNameVal(string rest)
        {
            var words = ParseWords(rest);
            return words.Count == 0 ? null : Chain(words);
        }

        private Node? ParseNameVal(string rest, string key)
        {
            var words = ParseWords(rest);
            if (words.Count == 0) return null;
            if (!words[0].Contains('='))
            {
                var k = 0;
                while (k < rest.Length && !IsReWhitespace(rest[k])) k++;
                if (k >= rest.Length) throw new DockerfileException($"{key} must have two arguments");
                var v = k;
                while (v < rest.Length && IsReWhitespace(rest[v])) v++;
                return Chain([rest[..k], rest[v..], ""]);
            }
            var values = new List<string>();
            foreach (var w in words)
            {
                var eq = w.IndexOf('=');
                if (eq < 0) throw new DockerfileException($"Syntax error - can't find = in \"{w}\". Must be of the form: name=value");
                values.Add(w[..eq]);
                values.Add(w[(eq + 1)..]);
                values.Add("=");
            }
            return Chain(values);
        }

        private static bool CanContainHeredoc(Node node)
        {
            if (node.Value.Equals("ONBUILD", StringComparison.OrdinalIgnoreCase) && node.Next is { Children.Count: > 0 } n)
                node = n.Children[0];
            return HeredocInstructions.Contains(node.Value) && !node.IsJson;
        }

        private static List<Heredoc> HeredocsFromLine(string line, int startLine, int endLine)
        {
            IReadOnlyList<string> words;
            try
            {
                words = new ShellLexer('\\') { RawQuotes = true, RawEscapes = true }.ProcessWords(line, VariableMap.Empty);
            }
            catch (ExpansionException)
            {
                return [];
            }
            var docs = new List<Heredoc>();
            foreach (var w in words)
            {
                var h = ParseHeredoc(w, startLine, endLine);
                if (h is not null) docs.Add(h);
            }
            return docs;
        }

        // ^(\d*)<<(-?)([^<]*)$
        internal static Heredoc? ParseHeredoc(string src, int startLine = 0, int endLine = 0)
        {
            var i = 0;
            while (i < src.Length && char.IsAsciiDigit(src[i])) i++;
            var fdText = src[..i];
            if (!src.AsSpan(i).StartsWith("<<")) return null;
            i += 2;
            var chomp = i < src.Length && src[i] == '-';
            if (chomp) i++;
            var rest = src[i..];
            if (rest.Contains('<') || rest.Length == 0) return null;
            var fd = 0;
            if (fdText.Length > 0 && !int.TryParse(fdText, out fd)) fd = 0;
            IReadOnlyList<string> words, raw;
            try
            {
                words = new ShellLexer('\\') { SkipUnsetEnv = true }.ProcessWords(rest, VariableMap.Empty);
                if (words.Count != 1) return null;
                raw = new ShellLexer('\\') { SkipUnsetEnv = true, RawQuotes = true }.ProcessWords(rest, VariableMap.Empty);
            }
            catch (ExpansionException e)
            {
                throw new DockerfileException(e.Message, SourceRange.Lines(startLine, endLine));
            }
            if (raw.Count != words.Count)
                throw new DockerfileException($"internal lexing of heredoc produced inconsistent results: {rest}", SourceRange.Lines(startLine, endLine));
            var word = words[0];
            static int Quotes(string s) => s.Count(c => c is '\'' or '"');
            return new Heredoc(word, "", Quotes(word) == Quotes(raw[0]), chomp, fd);
        }
    }
}
