using Kist.Dockerfile.Instructions;
using Kist.Dockerfile.Syntax;

namespace Kist.Dockerfile.Tests;

public sealed class ParserTests
{
    [Fact]
    public void Unknown_flag_error_points_at_the_flag()
    {
        var e = Assert.ThrowsAny<DockerfileException>(() => DockerfileDocument.Parse("FROM alpine\n  COPY --link --frm=build /a /b\n"));
        Assert.Equal(new SourcePosition(2, 15), e.Range!.Value.Start);
        Assert.StartsWith("unknown flag: frm", e.Message, StringComparison.Ordinal);
        Assert.Equal("Dockerfile:2:15: unknown flag: frm (did you mean from?)", e.Format("Dockerfile"));
    }

    [Fact]
    public void Unknown_flag_on_a_continuation_line_has_that_line_and_column()
    {
        var e = Assert.ThrowsAny<DockerfileException>(() => DockerfileDocument.Parse("FROM alpine\nRUN --network=none \\\n    --mout=type=cache,target=/x \\\n    true\n"));
        Assert.Equal(new SourcePosition(3, 5), e.Range!.Value.Start);
    }

    [Fact]
    public void Unknown_instruction_points_at_the_instruction()
    {
        var e = Assert.ThrowsAny<DockerfileException>(() => DockerfileDocument.Parse("FROM alpine\n\n   COPPY a b\n"));
        Assert.Equal(new SourcePosition(3, 4), e.Range!.Value.Start);
        Assert.Equal("unknown instruction: COPPY (did you mean COPY?)", e.Message);
    }

    [Fact]
    public void Instruction_ranges_cover_continuations_and_heredocs()
    {
        var r = DockerfileParser.Parse("FROM alpine\nRUN a \\\n  b\nCOPY <<EOF /x\nbody\nEOF\nCMD c\n");
        Assert.Equal([(1, 1), (2, 3), (4, 6), (7, 7)], r.Children.Select(c => (c.StartLine, c.EndLine)).ToArray());
        Assert.Equal(7, r.LineCount);
    }

    [Fact]
    public void Heredoc_body_keeps_lines_and_chomp_strips_tabs_in_typed_form()
    {
        var doc = DockerfileDocument.Parse("FROM alpine\nRUN <<-EOT bash\n\tif true; then\n\t\techo x\n\tfi\n\tEOT\n");
        var run = Assert.IsType<RunInstruction>(doc.Stages[0].Instructions[0]);
        Assert.Equal("if true; then\necho x\nfi\n", run.Files[0].Content);
        Assert.Equal("\tif true; then\n\t\techo x\n\tfi\n", doc.Syntax.Children[1].Heredocs[0].Content);
        Assert.Equal(["<<-EOT bash"], run.Command.Arguments);
    }

    [Fact]
    public void Heredoc_quoting_controls_expansion()
    {
        var r = DockerfileParser.Parse("FROM a\nCOPY <<A <<'B' <<\"C\" <<D\"\" /x/\na\nA\nb\nB\nc\nC\nd\nD\n");
        var docs = r.Children[1].Heredocs;
        Assert.Equal(["A", "B", "C", "D"], docs.Select(d => d.Name).ToArray());
        Assert.Equal([true, false, false, false], docs.Select(d => d.Expand).ToArray());
    }

    [Fact]
    public void Json_form_and_fallbacks()
    {
        var r = DockerfileParser.Parse("CMD [\"a\",\"b\"]\nCMD [\"a\" \"b\"]\nCMD [ \"a\" ] x\nENTRYPOINT []\n");
        Assert.True(r.Children[0].IsJson);
        Assert.False(r.Children[1].IsJson);
        Assert.Equal(["[\"a\" \"b\"]"], r.Children[1].Arguments);
        Assert.False(r.Children[2].IsJson);
        Assert.True(r.Children[3].IsJson);
        Assert.Empty(r.Children[3].Arguments);
    }

    [Fact]
    public void Directives_only_at_the_top()
    {
        var r = DockerfileParser.Parse("# syntax=docker/dockerfile:1\n# check=skip=all\n# escape=`\nFROM a\n# escape=\\\nRUN x `\n  y\n");
        Assert.Equal('`', r.EscapeToken);
        Assert.Equal(["syntax", "check", "escape"], r.Directives.All.Select(d => d.Name).ToArray());
        Assert.Equal("x   y", r.Children[1].Arguments[0]);
    }

    [Fact]
    public void Crlf_and_bom_are_accepted()
    {
        var r = DockerfileParser.Parse("\uFEFFFROM a\r\nRUN b \\\r\n  c\r\n");
        Assert.Equal("FROM", r.Children[0].Value);
        Assert.Equal("b   c", r.Children[1].Arguments[0]);
    }

    [Fact]
    public void Flags_are_split_from_arguments_with_quotes_removed()
    {
        var n = DockerfileParser.Parse("COPY --from=\"a b\" --chown='x' -- --src /dst\n").Children[0];
        Assert.Equal(["--from=a b", "--chown=x"], n.Flags);
        Assert.Equal(["--src", "/dst"], n.Arguments);
    }

    [Fact]
    public void Onbuild_dump_nests()
    {
        var n = DockerfileParser.Parse("ONBUILD RUN [\"echo\", \"x\"]\n").Children[0];
        Assert.Equal("onbuild (run \"echo\" \"x\")", n.Dump());
    }

    [Fact]
    public void Comments_above_are_kept()
    {
        var doc = DockerfileDocument.Parse("# build stage\n# compiles\nFROM golang AS build\n\n# runtime\nFROM alpine\n");
        Assert.Equal(["build stage", "compiles"], doc.Stages[0].From.Comments);
        Assert.Equal(["runtime"], doc.Stages[1].From.Comments);
    }

    [Fact]
    public void Stage_grouping_and_global_args()
    {
        var doc = DockerfileDocument.Parse("ARG A=1\nARG B\nFROM x AS one\nRUN a\nFROM one\nRUN b\nRUN c\n");
        Assert.Equal(2, doc.GlobalArgs.Count);
        Assert.Equal(2, doc.Stages.Count);
        Assert.Equal("one", doc.Stages[0].Name);
        Assert.Equal(2, doc.Stages[1].Instructions.Count);
        Assert.Equal(7, doc.Stages[1].Range.End.Line);
        Assert.Equal(7, doc.AllInstructions.Count());
    }

    [Fact]
    public void Mount_defaults_follow_buildkit()
    {
        Assert.True(RunMount.Parse("target=/x").ReadOnly);
        Assert.Equal(MountType.Bind, RunMount.Parse("target=/x").Type);
        Assert.False(RunMount.Parse("type=cache,target=/x").ReadOnly);
        Assert.Equal(CacheSharing.Shared, RunMount.Parse("type=cache,target=/x").Sharing);
        Assert.True(RunMount.Parse("type=secret,id=a").ReadOnly);
        Assert.Equal(64L << 20, RunMount.Parse("type=tmpfs,target=/t,size=64m").Size);
        Assert.Equal(448u, RunMount.Parse("type=cache,target=/x,mode=0700").Mode);
        Assert.False(RunMount.Parse("type=bind,target=/x,rw=true").ReadOnly);
        Assert.True(RunMount.Parse("type=ssh,required").Required);
    }

    [Theory]
    [InlineData("5s", 5000)]
    [InlineData("1m30s", 90000)]
    [InlineData("1.5h", 5400000)]
    [InlineData("300ms", 300)]
    [InlineData("0", 0)]
    [InlineData("2h45m", 9900000)]
    public void Go_durations(string text, double ms)
    {
        Assert.True(GoDuration.TryParse(text, out var d));
        Assert.Equal(ms, d.TotalMilliseconds);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("s")]
    [InlineData("1d")]
    [InlineData("")]
    public void Bad_go_durations(string text) => Assert.False(GoDuration.TryParse(text, out _));
}
