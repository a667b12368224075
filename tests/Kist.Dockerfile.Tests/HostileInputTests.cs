using System.Diagnostics;
using System.Text;
using Kist.Dockerfile.Evaluation;
using Kist.Dockerfile.Instructions;
using Kist.Dockerfile.Linting;
using Kist.Dockerfile.Shell;
using Kist.Dockerfile.Syntax;

namespace Kist.Dockerfile.Tests;

/// <summary>Malformed or hostile Dockerfiles get a clear error quickly and never hang or crash.</summary>
public sealed class HostileInputTests
{
    private static T Quickly<T>(Func<T> f, int seconds = 10)
    {
        var sw = Stopwatch.StartNew();
        var r = f();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(seconds), $"took {sw.Elapsed}");
        return r;
    }

    /// <summary>A stream of <paramref name="length"/> bytes of one character without a newline, allocated lazily.</summary>
    private sealed class RepeatStream(long length, byte value) : Stream
    {
        private long _pos;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _pos; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _pos);
            buffer.AsSpan(offset, n).Fill(value);
            _pos += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void Hundred_megabyte_line_from_a_stream_is_refused()
    {
        var e = Quickly(() => Assert.ThrowsAny<DockerfileException>(() => DockerfileDocument.Parse(new RepeatStream(100L * 1024 * 1024, (byte)'a'))));
        Assert.Contains("larger than the maximum", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hundred_megabyte_line_as_text_is_refused_with_its_line()
    {
        var text = "FROM alpine\nRUN echo " + new string('x', 100 * 1024 * 1024) + "\n";
        var e = Quickly(() => Assert.ThrowsAny<DockerfileException>(() => DockerfileParser.Parse(text, new ParserLimits { MaxFileSize = int.MaxValue })));
        Assert.Equal(2, e.Line);
        Assert.Contains("longer than the maximum", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_line_within_limits_parses()
    {
        var text = "FROM alpine\nRUN echo " + new string('x', 1024 * 1024) + "\n";
        var doc = Quickly(() => DockerfileDocument.Parse(text));
        Assert.Single(doc.Stages[0].Instructions);
    }

    [Fact]
    public void Unterminated_heredoc_fails_with_its_start_line()
    {
        var text = "FROM alpine\nRUN echo a\nRUN <<EOF\n" + string.Concat(Enumerable.Repeat("line\n", 100_000));
        var e = Quickly(() => Assert.ThrowsAny<DockerfileException>(() => DockerfileDocument.Parse(text)));
        Assert.Equal(3, e.Line);
        Assert.Contains("unterminated heredoc", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deeply_nested_substitution_fails_without_overflowing_the_stack()
    {
        var depth = 100_000;
        var word = string.Concat(Enumerable.Repeat("${A:-", depth)) + "x" + new string('}', depth);
        var e = Quickly(() => Assert.ThrowsAny<ExpansionException>(() => new ShellLexer().ProcessWord(word, VariableMap.Empty)));
        Assert.Contains("nested deeper", e.Message, StringComparison.Ordinal);
        var doc = DockerfileDocument.Parse("FROM alpine\nENV X=" + word + "\n");
        var e2 = Quickly(() => Assert.ThrowsAny<DockerfileException>(() => DockerfileEvaluator.Evaluate(doc)));
        Assert.Equal(2, e2.Line);
    }

    [Fact]
    public void Reasonable_nesting_works()
    {
        var word = string.Concat(Enumerable.Repeat("${A:-", 50)) + "x" + new string('}', 50);
        Assert.Equal("x", new ShellLexer().ProcessWord(word, VariableMap.Empty));
    }

    [Fact]
    public void Deeply_nested_json_does_not_crash()
    {
        // Deeper than Go's JSON nesting limit: not JSON, so shell form (as BuildKit).
        var text = "FROM alpine\nCMD " + new string('[', 200_000) + new string(']', 200_000) + "\n";
        var cmd = Assert.IsType<CmdInstruction>(Quickly(() => DockerfileDocument.Parse(text)).Stages[0].Instructions[0]);
        Assert.True(cmd.Command.PrependShell);
        // Within the limit: a JSON array that is not all strings, an error.
        var nested = "FROM alpine\nCMD " + new string('[', 5000) + new string(']', 5000) + "\n";
        Quickly(() => Assert.ThrowsAny<DockerfileException>(() => DockerfileDocument.Parse(nested)));
    }

    [Fact]
    public void Nul_bytes_are_rejected_with_line_and_column()
    {
        var e = Quickly(() => Assert.ThrowsAny<DockerfileException>(() => DockerfileParser.Parse(new MemoryStream(Encoding.UTF8.GetBytes("FROM alpine\nRUN a\0b\n")))));
        Assert.Equal(new SourcePosition(2, 6), e.Range!.Value.Start);
        Assert.Contains("NUL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_is_rejected_with_line_and_column()
    {
        byte[] bytes = [.. "FROM alpine\nRUN echo "u8, 0xC3, 0x28, .. "\n"u8];
        var e = Quickly(() => Assert.ThrowsAny<DockerfileException>(() => DockerfileParser.Parse(new MemoryStream(bytes))));
        Assert.Equal(new SourcePosition(2, 10), e.Range!.Value.Start);
        Assert.Contains("UTF-8", e.Message, StringComparison.Ordinal);
        var report = Linter.Lint("FROM a\0\n");
        Assert.NotNull(report.Error);
        Assert.Equal(1, report.ExitCode);
    }

    [Fact]
    public void Many_continuations_with_flags_stay_linear()
    {
        var sb = new StringBuilder("FROM alpine\nRUN ");
        for (var i = 0; i < 50_000; i++) sb.Append("--mount=type=cache,target=/c").Append(i).Append(" \\\n");
        sb.Append("true\n");
        var doc = Quickly(() => DockerfileDocument.Parse(sb.ToString()));
        Assert.Equal(50_000, ((RunInstruction)doc.Stages[0].Instructions[0]).Mounts.Count);
    }

    [Fact]
    public void Pathological_trim_pattern_times_out_cleanly()
    {
        var env = new VariableMap(new Dictionary<string, string> { ["V"] = new string('a', 5000) });
        var word = "${V%%" + string.Concat(Enumerable.Repeat("*a", 30)) + "b}";
        Quickly(() =>
        {
            try
            {
                return new ShellLexer().ProcessWord(word, env);
            }
            catch (ExpansionException)
            {
                return "";
            }
        }, 30);
    }

    [Fact]
    public void Random_garbage_never_throws_anything_but_dockerfile_errors()
    {
        var rng = new Random(1234);
        const string alphabet = "FROMRUNCOPYENVARG \t\n\\`\"'$#{}[]<<-=:,/.*?!EOFabc";
        for (var i = 0; i < 3000; i++)
        {
            var len = rng.Next(0, 120);
            var chars = new char[len];
            for (var j = 0; j < len; j++) chars[j] = alphabet[rng.Next(alphabet.Length)];
            var text = (rng.Next(2) == 0 ? "FROM a\n" : "") + new string(chars);
            try
            {
                var doc = DockerfileDocument.Parse(text);
                DockerfileEvaluator.Evaluate(doc);
            }
            catch (DockerfileException)
            {
            }
            var report = Linter.Lint(text);
            Assert.True(report.ExitCode is 0 or 1);
        }
    }
}
