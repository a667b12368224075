using Kist.Dockerfile.Evaluation;
using Kist.Dockerfile.Ignore;
using Kist.Dockerfile.Instructions;
using Kist.Dockerfile.Linting;

namespace Kist.Dockerfile.Tests;

/// <summary>
/// The project's own corpus: every <c>Corpus/*.Dockerfile</c> has a <c>.expected</c> file holding its typed
/// instructions, the evaluated (expanded) stages and the lint findings; every <c>Corpus/negative/*.Dockerfile</c>
/// has an <c>.error</c> file with the expected line and message. Build args for evaluation come from
/// <c># build-arg K=V</c> comment lines; ignore patterns for CopyIgnoredFile from <c># ignore PATTERN</c>.
/// Set KIST_UPDATE_GOLDEN=1 to rewrite the expected files (then review the diff).
/// </summary>
public sealed class CorpusTests
{
    private static string CorpusDir(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kist.slnx"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return Path.Combine([dir!.FullName, "tests", "Kist.Dockerfile.Tests", "Corpus", .. parts]);
    }

    private static bool Update => Environment.GetEnvironmentVariable("KIST_UPDATE_GOLDEN") == "1";

    public static TheoryData<string> Positive()
    {
        var files = Directory.GetFiles(CorpusDir(), "*.Dockerfile").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        return new TheoryData<string>(files!);
    }

    public static TheoryData<string> Negative()
    {
        var files = Directory.GetFiles(CorpusDir("negative"), "*.Dockerfile").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        return new TheoryData<string>(files!);
    }

    [Fact]
    public void Corpus_is_large_enough()
    {
        Assert.True(Positive().Count + Negative().Count >= 150, $"corpus has {Positive().Count} + {Negative().Count} files");
    }

    internal static string Describe(string text)
    {
        var doc = DockerfileDocument.Parse(text);
        var buildArgs = new Dictionary<string, string>(StringComparer.Ordinal);
        var ignore = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var t = line.Trim();
            if (t.StartsWith("# build-arg ", StringComparison.Ordinal))
            {
                var kv = t["# build-arg ".Length..];
                var eq = kv.IndexOf('=');
                buildArgs[kv[..eq]] = kv[(eq + 1)..];
            }
            if (t.StartsWith("# ignore ", StringComparison.Ordinal)) ignore.Add(t["# ignore ".Length..]);
        }
        var output = TypedDump.Document(doc) + "--- evaluated\n";
        try
        {
            output += TypedDump.Evaluated(DockerfileEvaluator.Evaluate(doc, new EvaluationOptions
            {
                BuildArgs = buildArgs,
                TargetPlatform = PlatformSpec.Parse("linux/arm64"),
                BuildPlatform = PlatformSpec.Parse("linux/amd64"),
            }));
        }
        catch (DockerfileException e)
        {
            output += $"evaluation error line {e.Line}: {e.Message}\n";
        }
        output += "--- lint\n" + TypedDump.Lint(Linter.Lint(text, new LintOptions
        {
            BuildArgs = buildArgs,
            Ignore = ignore.Count > 0 ? new IgnoreMatcher(DockerIgnore.ReadPatterns(string.Join('\n', ignore))) : null,
        }));
        return output;
    }

    [Theory]
    [MemberData(nameof(Positive))]
    public void Parses_to_expected(string name)
    {
        var text = File.ReadAllText(CorpusDir(name));
        var actual = Describe(text);
        var expectedPath = CorpusDir(Path.ChangeExtension(name, ".expected"));
        if (Update) File.WriteAllText(expectedPath, actual);
        Assert.True(File.Exists(expectedPath), "missing " + expectedPath);
        Assert.Equal(File.ReadAllText(expectedPath), actual);
    }

    [Theory]
    [MemberData(nameof(Negative))]
    public void Fails_with_expected_error(string name)
    {
        var text = File.ReadAllText(CorpusDir("negative", name));
        var e = Assert.ThrowsAny<DockerfileException>(() =>
        {
            var doc = DockerfileDocument.Parse(text);
            DockerfileEvaluator.Evaluate(doc, new EvaluationOptions { TargetPlatform = PlatformSpec.LinuxAmd64, BuildPlatform = PlatformSpec.LinuxAmd64 });
        });
        var actual = $"line {e.Line}: {e.Message}\n";
        var expectedPath = CorpusDir("negative", Path.ChangeExtension(name, ".error"));
        if (Update) File.WriteAllText(expectedPath, actual);
        Assert.True(File.Exists(expectedPath), "missing " + expectedPath);
        Assert.Equal(File.ReadAllText(expectedPath), actual);
        Assert.True(e.Line >= 1);
    }
}
