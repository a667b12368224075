namespace Kist.Dockerfile.Syntax;

/// <summary>A parser directive (<c># name=value</c> at the top of the file).</summary>
public sealed record ParserDirective(string Name, string Value, int Line);

/// <summary>The parser directives of a Dockerfile: <c>syntax</c>, <c>escape</c> and <c>check</c>.</summary>
public sealed record ParserDirectives(IReadOnlyList<ParserDirective> All)
{
    public ParserDirective? Syntax => All.FirstOrDefault(d => d.Name == "syntax");
    public ParserDirective? Escape => All.FirstOrDefault(d => d.Name == "escape");
    public ParserDirective? Check => All.FirstOrDefault(d => d.Name == "check");
}

/// <summary>A non-fatal finding of the parser itself (BuildKit reports these through the linter).</summary>
public sealed record ParseWarning(string Rule, string Message, SourceRange Range);

/// <summary>The syntax tree of a Dockerfile.</summary>
/// <param name="Children">One node per instruction, in order.</param>
public sealed record ParseResult(IReadOnlyList<Node> Children, char EscapeToken, ParserDirectives Directives, IReadOnlyList<ParseWarning> Warnings, int LineCount);
