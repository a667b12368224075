namespace Kist.Dockerfile;

/// <summary>A position in a Dockerfile: 1-based line, 1-based column (0 when the column is not known).</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public override string ToString() => Column > 0 ? $"{Line}:{Column}" : Line.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A range of a Dockerfile, both ends inclusive.</summary>
public readonly record struct SourceRange(SourcePosition Start, SourcePosition End)
{
    public static SourceRange Lines(int start, int end) => new(new SourcePosition(start, 0), new SourcePosition(end, 0));
    public static SourceRange At(int line, int column) => new(new SourcePosition(line, column), new SourcePosition(line, column));

    public override string ToString() => Start.Line == End.Line && Start.Column == End.Column ? Start.ToString() : $"{Start}-{End}";
}

/// <summary>An error in a Dockerfile (syntax, an invalid instruction, a failed expansion) and where it is.</summary>
public class DockerfileException : Exception
{
    public DockerfileException(string message, SourceRange? range = null, Exception? inner = null)
        : base(message, inner)
    {
        Range = range;
    }

    /// <summary>Where the error is, when known.</summary>
    public SourceRange? Range { get; }

    /// <summary>The first line of the error, or 0 when unknown.</summary>
    public int Line => Range?.Start.Line ?? 0;

    /// <summary>The message prefixed with its location, e.g. <c>Dockerfile:3:5: unknown flag: foo</c>.</summary>
    public string Format(string? fileName = null)
    {
        var where = Range is { } r ? (r.Start.Column > 0 ? $"{r.Start.Line}:{r.Start.Column}" : $"{r.Start.Line}") : null;
        return (fileName, where) switch
        {
            (null, null) => Message,
            (null, _) => $"line {where}: {Message}",
            (_, null) => $"{fileName}: {Message}",
            _ => $"{fileName}:{where}: {Message}",
        };
    }

    /// <summary>The same error located at a range (when it has none yet).</summary>
    public DockerfileException WithRange(SourceRange range) => Range is null ? new DockerfileException(Message, range, this) : this;
}

/// <summary>A failed variable expansion (bad substitution, unterminated quote, <c>${VAR?}</c> on an unset variable).</summary>
public sealed class ExpansionException(string message, SourceRange? range = null) : DockerfileException(message, range);
