using System.Globalization;
using System.Text;

namespace Kist.Dockerfile.Syntax;

/// <summary>
/// One node of the Dockerfile syntax tree, shaped like BuildKit's: an instruction node holds the
/// instruction name in <see cref="Value"/> and its arguments as a chain through <see cref="Next"/>;
/// <c>ONBUILD</c> holds its trigger in <c>Next.Children</c>.
/// </summary>
public sealed class Node
{
    private static readonly IReadOnlyList<Node> NoNodes = [];

    public string Value { get; init; } = "";
    public Node? Next { get; internal set; }
    public IReadOnlyList<Node> Children { get; internal set; } = NoNodes;
    public IReadOnlyList<Heredoc> Heredocs { get; internal set; } = [];
    /// <summary>The arguments were written as a JSON array (exec form).</summary>
    public bool IsJson { get; init; }
    /// <summary>The logical line (continuations joined, comments removed), without heredoc bodies.</summary>
    public string Original { get; init; } = "";
    /// <summary>The <c>--flag[=value]</c> words between the instruction name and its arguments, quotes removed.</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];
    /// <summary>Where each flag starts (same order as <see cref="Flags"/>).</summary>
    public IReadOnlyList<SourcePosition> FlagPositions { get; init; } = [];
    /// <summary>The comments directly above the instruction.</summary>
    public IReadOnlyList<string> PrevComment { get; init; } = [];
    public int StartLine { get; internal set; }
    public int EndLine { get; internal set; }
    /// <summary>1-based column of the instruction name on <see cref="StartLine"/>.</summary>
    public int StartColumn { get; internal set; }
    /// <summary>1-based column just past the last character of the instruction on <see cref="EndLine"/> (0 when unknown).</summary>
    public int EndColumn { get; internal set; }

    public SourceRange Range => new(new SourcePosition(StartLine, StartColumn), new SourcePosition(EndLine, EndColumn));

    /// <summary>The argument values of the chain starting at <see cref="Next"/>.</summary>
    public IReadOnlyList<string> Arguments
    {
        get
        {
            var list = new List<string>();
            for (var n = Next; n is not null; n = n.Next) list.Add(n.Value);
            return list;
        }
    }

    /// <summary>The BuildKit test-suite dump of this node, e.g. <c>copy ["--from=x"] "a" "b"</c>.</summary>
    public string Dump()
    {
        var sb = new StringBuilder();
        sb.Append(Value.ToLowerInvariant());
        if (Flags.Count > 0)
        {
            sb.Append(" [");
            for (var i = 0; i < Flags.Count; i++)
            {
                if (i > 0) sb.Append(' ');
                GoQuote(sb, Flags[i]);
            }
            sb.Append(']');
        }
        foreach (var c in Children) sb.Append('(').Append(c.Dump()).Append(")\n");
        for (var n = Next; n is not null; n = n.Next)
        {
            sb.Append(' ');
            if (n.Children.Count > 0) sb.Append(n.Dump());
            else GoQuote(sb, n.Value);
        }
        return sb.ToString().Trim();
    }

    /// <summary>Quotes a string as Go's <c>strconv.Quote</c> does for printable text.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        GoQuote(sb, s);
        return sb.ToString();
    }

    internal static void GoQuote(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (c < 0x20 || c == 0x7f) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}

/// <summary>A here-document attached to a RUN, COPY or ADD instruction.</summary>
/// <param name="Name">The delimiter word, quotes removed.</param>
/// <param name="Content">The body, every line ending with a newline, as written (tabs kept even with <c>&lt;&lt;-</c>).</param>
/// <param name="Expand">False when the delimiter was quoted: variables in the body are not expanded.</param>
/// <param name="Chomp">Written as <c>&lt;&lt;-</c>: leading tabs are stripped from the body and the delimiter line.</param>
/// <param name="FileDescriptor">The file descriptor before <c>&lt;&lt;</c> (0 when absent).</param>
public sealed record Heredoc(string Name, string Content, bool Expand, bool Chomp, int FileDescriptor)
{
    /// <summary>The body with leading tabs removed from each line when <see cref="Chomp"/> is set.</summary>
    public string EffectiveContent => Chomp ? ChompContent(Content) : Content;

    public static string ChompContent(string content)
    {
        var sb = new StringBuilder(content.Length);
        var lineStart = true;
        foreach (var c in content)
        {
            if (lineStart && c == '\t') continue;
            lineStart = c == '\n';
            sb.Append(c);
        }
        return sb.ToString();
    }
}
