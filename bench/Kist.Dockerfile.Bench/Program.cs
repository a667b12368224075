using System.Diagnostics;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Kist.Dockerfile.Evaluation;
using Kist.Dockerfile.Instructions;
using Kist.Dockerfile.Syntax;

namespace Kist.Dockerfile.Bench;

/// <summary>
/// Parsing and expansion of a generated 5,000-line Dockerfile. Run with <c>--quick</c> for a Stopwatch
/// measurement of lines per second and bytes allocated per parse; otherwise BenchmarkDotNet runs.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Contains("--quick"))
        {
            Quick();
            return 0;
        }
        BenchmarkRunner.Run<DockerfileBenchmarks>(args: args);
        return 0;
    }

    private static void Quick()
    {
        var text = Generated.Dockerfile(5000);
        var lines = Generated.LineCount(text);
        Measure("parse (syntax tree)", lines, () => DockerfileParser.Parse(text));
        Measure("parse (typed stages)", lines, () => DockerfileDocument.Parse(text));
        var doc = DockerfileDocument.Parse(text);
        Measure("evaluate (expansion)", lines, () => DockerfileEvaluator.Evaluate(doc, Generated.Options));
        Measure("parse + evaluate", lines, () => DockerfileEvaluator.Evaluate(DockerfileDocument.Parse(text), Generated.Options));
    }

    private static void Measure(string name, int lines, Func<object> action)
    {
        for (var i = 0; i < 5; i++) action();
        const int runs = 30;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++) action();
        sw.Stop();
        var allocated = (GC.GetAllocatedBytesForCurrentThread() - before) / runs;
        var perRun = sw.Elapsed.TotalSeconds / runs;
        Console.WriteLine($"{name,-24} {perRun * 1000,8:F2} ms  {lines / perRun,12:N0} lines/s  {allocated / 1024.0 / 1024.0,8:F2} MiB allocated per run");
    }
}

internal static class Generated
{
    public static readonly EvaluationOptions Options = new()
    {
        BuildArgs = new Dictionary<string, string> { ["VERSION"] = "9.9" },
        TargetPlatform = PlatformSpec.LinuxAmd64,
        BuildPlatform = PlatformSpec.LinuxAmd64,
    };

    public static int LineCount(string text) => text.Count(c => c == '\n');

    /// <summary>A realistic mix: stages, ARG/ENV with expansion, RUN with mounts and continuations, COPY, heredocs, comments.</summary>
    public static string Dockerfile(int targetLines)
    {
        var sb = new StringBuilder("# syntax=docker/dockerfile:1\nARG VERSION=1.0\nARG BASE=alpine\n");
        var stage = 0;
        while (LineCount(sb.ToString()) < targetLines)
        {
            sb.Append("\n# stage ").Append(stage).Append('\n');
            sb.Append("FROM ${BASE}:${VERSION} AS stage").Append(stage).Append('\n');
            sb.Append("ARG TARGETARCH\nARG VERSION\n");
            sb.Append("ENV APP_HOME=/opt/app").Append(stage).Append(" PATH=/opt/app").Append(stage).Append("/bin:$PATH LANG=C.UTF-8\n");
            sb.Append("WORKDIR ${APP_HOME}\n");
            sb.Append("RUN --mount=type=cache,target=/var/cache/apk,sharing=locked \\\n    --mount=type=bind,source=requirements.txt,target=/tmp/req.txt \\\n    apk add --no-cache curl git \\\n        && echo \"arch=${TARGETARCH}\" \\\n        && rm -rf /tmp/*\n");
            sb.Append("COPY --chown=app:app --chmod=0644 src/ ${APP_HOME}/src/\n");
            sb.Append("LABEL org.opencontainers.image.version=\"${VERSION}\" stage=\"").Append(stage).Append("\"\n");
            sb.Append("RUN <<EOF\nset -e\necho building ").Append(stage).Append("\nmake -j4 all\nEOF\n");
            sb.Append("EXPOSE 80").Append(stage % 10).Append("/tcp\n");
            sb.Append("HEALTHCHECK --interval=30s --timeout=3s CMD [\"wget\", \"-q\", \"http://localhost/\"]\n");
            if (stage > 0) sb.Append("COPY --from=stage").Append(stage - 1).Append(" /opt/app").Append(stage - 1).Append("/bin/ /usr/local/bin/\n");
            sb.Append("USER 1000:1000\nCMD [\"/opt/app/bin/server\", \"--port\", \"8080\"]\n");
            stage++;
        }
        return sb.ToString();
    }
}

[MemoryDiagnoser]
public class DockerfileBenchmarks
{
    private string _text = "";
    private DockerfileDocument _document = null!;

    [GlobalSetup]
    public void Setup()
    {
        _text = Generated.Dockerfile(5000);
        _document = DockerfileDocument.Parse(_text);
        Console.WriteLine($"// Dockerfile: {Generated.LineCount(_text)} lines, {_text.Length} characters");
    }

    [Benchmark(Baseline = true)]
    public ParseResult ParseSyntax() => DockerfileParser.Parse(_text);

    [Benchmark]
    public DockerfileDocument ParseTyped() => DockerfileDocument.Parse(_text);

    [Benchmark]
    public EvaluatedDockerfile Evaluate() => DockerfileEvaluator.Evaluate(_document, Generated.Options);

    [Benchmark]
    public EvaluatedDockerfile ParseAndEvaluate() => DockerfileEvaluator.Evaluate(DockerfileDocument.Parse(_text), Generated.Options);
}
