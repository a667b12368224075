using Kist.Dockerfile.Syntax;

namespace Kist.Dockerfile.Instructions;

/// <summary>A parsed Dockerfile: directives, global ARGs (before the first FROM) and stages of typed instructions.</summary>
public sealed record DockerfileDocument(ParseResult Syntax, IReadOnlyList<ArgInstruction> GlobalArgs, IReadOnlyList<Stage> Stages)
{
    public char EscapeToken => Syntax.EscapeToken;
    public ParserDirectives Directives => Syntax.Directives;

    /// <summary>Every instruction in source order (global ARGs, then each stage's FROM and instructions).</summary>
    public IEnumerable<Instruction> AllInstructions
    {
        get
        {
            foreach (var a in GlobalArgs) yield return a;
            foreach (var s in Stages)
            {
                yield return s.From;
                foreach (var i in s.Instructions) yield return i;
            }
        }
    }

    public static DockerfileDocument Parse(string text, ParserLimits? limits = null) => FromSyntax(DockerfileParser.Parse(text, limits));

    public static DockerfileDocument Parse(Stream stream, ParserLimits? limits = null) => FromSyntax(DockerfileParser.Parse(stream, limits));

    /// <summary>Types the syntax tree and groups it into stages.</summary>
    public static DockerfileDocument FromSyntax(ParseResult syntax)
    {
        var globals = new List<ArgInstruction>();
        var stages = new List<Stage>();
        FromInstruction? from = null;
        var current = new List<Instruction>();
        foreach (var node in syntax.Children)
        {
            var instruction = InstructionParser.Parse(node);
            if (instruction is FromInstruction f)
            {
                if (from is not null) stages.Add(new Stage(stages.Count, from, current.ToArray()));
                from = f;
                current.Clear();
                continue;
            }
            if (from is null)
            {
                if (instruction is ArgInstruction a)
                {
                    globals.Add(a);
                    continue;
                }
                throw new DockerfileException($"no build stage in current context: {instruction.Name} must come after a FROM", instruction.Range);
            }
            current.Add(instruction);
        }
        if (from is not null) stages.Add(new Stage(stages.Count, from, current.ToArray()));
        else throw new DockerfileException("the Dockerfile has no FROM: at least one build stage is needed", SourceRange.Lines(syntax.LineCount, syntax.LineCount));
        return new DockerfileDocument(syntax, globals, stages);
    }
}
