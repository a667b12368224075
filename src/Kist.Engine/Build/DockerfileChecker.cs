using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kist.Dockerfile;
using Kist.Dockerfile.Ignore;
using Kist.Dockerfile.Linting;
using Kist.Dockerfile.Syntax;
using Kist.Oci;

namespace Kist.Engine.Build;

/// <summary>What to check: a build context and, optionally, a Dockerfile elsewhere (<c>-f</c>).</summary>
public sealed record BuildCheckRequest(string ContextDirectory, string? DockerfilePath = null)
{
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>A line/column position (1-based; column 0 when unknown).</summary>
public sealed record BuildCheckPosition(int Line, int Column);

public sealed record BuildCheckRange(BuildCheckPosition Start, BuildCheckPosition End);

/// <summary>One lint finding, in the engine's own terms.</summary>
public sealed record BuildCheckFinding(string Rule, string Level, string Message, string Description, string Url, BuildCheckRange Range);

/// <summary>The error that stopped the check (a parse error, a bad check directive).</summary>
public sealed record BuildCheckError(string Message, BuildCheckRange? Range);

/// <summary>The outcome of <c>kist build --check</c> for one Dockerfile.</summary>
public sealed record BuildCheckResult(string File, IReadOnlyList<BuildCheckFinding> Findings, BuildCheckError? Error, string? IgnoreFile)
{
    /// <summary>0 when only warnings were found; 1 on a parse error or on findings made errors by <c># check=error=true</c>.</summary>
    public int ExitCode => Error is not null || Findings.Any(f => f.Level == "error") ? 1 : 0;

    /// <summary>The findings and error as JSON, for editors and CI.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, BuildCheckJsonContext.Relaxed.BuildCheckResult);

    /// <summary>The human-readable report: one block per finding, then a summary line.</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        foreach (var f in Findings)
        {
            sb.Append(f.Level == "error" ? "ERROR" : "WARNING").Append(": ").Append(f.Rule).Append(" - ").Append(f.Url).Append('\n');
            sb.Append(File).Append(':').Append(Where(f.Range)).Append(": ").Append(f.Message).Append('\n');
        }
        if (Error is not null)
        {
            sb.Append("ERROR: ").Append(File);
            if (Error.Range is { } r) sb.Append(':').Append(r.Start.Line).Append(r.Start.Column > 0 ? $":{r.Start.Column}" : "");
            sb.Append(": ").Append(Error.Message).Append('\n');
            return sb.ToString();
        }
        var count = Findings.Count;
        var errors = Findings.Count(f => f.Level == "error");
        sb.Append(count == 0
            ? "Check complete, no warnings found.\n"
            : errors > 0
                ? $"Check complete, {count} {(count == 1 ? "error has" : "errors have")} been found!\n"
                : $"Check complete, {count} {(count == 1 ? "warning has" : "warnings have")} been found!\n");
        return sb.ToString();
    }

    private static string Where(BuildCheckRange r) =>
        r.Start.Line == r.End.Line || r.End.Line == 0 ? $"{r.Start.Line}" : $"{r.Start.Line}-{r.End.Line}";
}

/// <summary>Runs the Dockerfile checks (parse, then BuildKit's lint rules) over a build context. Reads files only.</summary>
public sealed class DockerfileChecker
{
    /// <summary>The Dockerfile a build uses: <c>-f</c> (relative to the current directory) or <c>DIR/Dockerfile</c>.</summary>
    public static string ResolveDockerfile(string contextDirectory, string? dockerfilePath) =>
        Path.GetFullPath(string.IsNullOrEmpty(dockerfilePath) ? Path.Combine(contextDirectory, "Dockerfile") : dockerfilePath);

    public async Task<BuildCheckResult> CheckAsync(BuildCheckRequest request, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(request.ContextDirectory))
            throw new NotFoundException($"unable to prepare context: path \"{request.ContextDirectory}\" not found");
        var path = ResolveDockerfile(request.ContextDirectory, request.DockerfilePath);
        var display = string.IsNullOrEmpty(request.DockerfilePath) ? "Dockerfile" : request.DockerfilePath;
        string text;
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken);
            buffer.Position = 0;
            text = DockerfileParser.ReadSource(buffer);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new NotFoundException($"failed to read dockerfile: open {display}: no such file or directory");
        }
        catch (DockerfileException e)
        {
            return new BuildCheckResult(display, [], ToError(e), null);
        }

        IgnoreMatcher? ignore = null;
        string? ignoreFile = null;
        foreach (var candidate in DockerIgnore.CandidatePaths(path, request.ContextDirectory))
        {
            if (!File.Exists(candidate)) continue;
            ignoreFile = candidate;
            try
            {
                ignore = new IgnoreMatcher(DockerIgnore.ReadPatterns(await File.ReadAllTextAsync(candidate, cancellationToken)));
            }
            catch (DockerfileException e)
            {
                throw new InvalidInputException($"{candidate}: {e.Message}");
            }
            break;
        }

        var report = Linter.Lint(text, new LintOptions { BuildArgs = request.BuildArgs, Ignore = ignore });
        var findings = report.Findings.Select(f => new BuildCheckFinding(
            f.RuleName,
            f.Level == LintLevel.Error ? "error" : "warning",
            f.Message,
            f.Rule.Description,
            f.Rule.Url,
            ToRange(f.Range))).ToArray();
        return new BuildCheckResult(display, findings, report.Error is null ? null : ToError(report.Error), ignoreFile);
    }

    private static BuildCheckError ToError(DockerfileException e) => new(e.Message, e.Range is { } r ? ToRange(r) : null);

    private static BuildCheckRange ToRange(SourceRange r) =>
        new(new BuildCheckPosition(r.Start.Line, r.Start.Column), new BuildCheckPosition(r.End.Line, r.End.Column));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(BuildCheckResult))]
internal sealed partial class BuildCheckJsonContext : JsonSerializerContext
{
    /// <summary>Writes quotes and non-ASCII text as they are (the output is for people and tools, not HTML).</summary>
    public static readonly BuildCheckJsonContext Relaxed = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
