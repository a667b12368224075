using System.Text.Json;
using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary><c>kist build --check</c> through the real binary: BuildKit's report shape, exit codes, JSON, -f and .dockerignore.</summary>
public sealed class BuildCheckTests : IDisposable
{
    private readonly TestRoot _root = new("kist-root");
    private readonly TestRoot _context = new("kist-context");

    public void Dispose()
    {
        _root.Dispose();
        _context.Dispose();
    }

    private Task<RunResult> CheckAsync(string dockerfile, params string[] extra)
    {
        File.WriteAllText(_context.File("Dockerfile"), dockerfile);
        return KistAsync(_root.Path, ["build", "--check", .. extra, _context.Path]);
    }

    [Fact]
    public async Task A_clean_Dockerfile_passes()
    {
        var result = await CheckAsync("FROM busybox\nCMD [\"sh\"]\n");
        result.ShouldSucceed();
        Assert.Equal("Check complete, no warnings found.\n", result.Stdout);
    }

    [Fact]
    public async Task Warnings_name_the_rule_and_line_and_exit_0()
    {
        var result = await CheckAsync("FROM busybox AS Build\nMAINTAINER me\nCMD echo hi\n");
        result.ShouldSucceed();
        Assert.Equal(
            [
                "WARNING: StageNameCasing - https://docs.docker.com/go/dockerfile/rule/stage-name-casing/",
                "Dockerfile:1: Stage name 'Build' should be lowercase",
                "WARNING: MaintainerDeprecated - https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/",
                "Dockerfile:2: Maintainer instruction is deprecated in favor of using label",
                "WARNING: JSONArgsRecommended - https://docs.docker.com/go/dockerfile/rule/json-args-recommended/",
                "Dockerfile:3: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals",
                "Check complete, 3 warnings have been found!",
            ],
            result.Lines);
    }

    [Fact]
    public async Task The_check_error_directive_turns_findings_into_errors()
    {
        var result = await CheckAsync("# check=error=true\nFROM busybox\nMAINTAINER me\n");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("ERROR: MaintainerDeprecated", result.Stdout);
        Assert.EndsWith("Check complete, 1 error has been found!\n", result.Stdout);
    }

    [Fact]
    public async Task A_parse_error_points_at_the_line_and_exits_1()
    {
        var result = await CheckAsync("FROM busybox\nRUNN echo\n");
        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Contains("Dockerfile:2", result.Stderr);
        Assert.Contains("unknown instruction: RUNN", result.Stderr);
    }

    [Fact]
    public async Task Json_output_carries_rules_levels_and_ranges()
    {
        var result = await CheckAsync("FROM busybox\nMAINTAINER me\n", "--format", "json");
        result.ShouldSucceed();
        using var json = JsonDocument.Parse(result.Stdout);
        var finding = Assert.Single(json.RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal("MaintainerDeprecated", finding.GetProperty("rule").GetString());
        Assert.Equal("warning", finding.GetProperty("level").GetString());
        Assert.Equal(2, finding.GetProperty("range").GetProperty("start").GetProperty("line").GetInt32());
        Assert.Equal(0, json.RootElement.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task A_named_Dockerfile_uses_its_own_dockerignore()
    {
        string dockerfile = _context.File("app.Dockerfile");
        File.WriteAllText(dockerfile, "# check=experimental=all\nFROM busybox\nCOPY app.log /x\n");
        File.WriteAllText(_context.File("app.log"), "log");
        File.WriteAllText(dockerfile + ".dockerignore", "*.log\n");

        var ignored = await KistAsync(_root.Path, "build", "--check", "-f", dockerfile, _context.Path);
        ignored.ShouldSucceed();
        Assert.Contains("WARNING: CopyIgnoredFile", ignored.Stdout);
        Assert.Contains(":3: Attempting to Copy file \"app.log\" that is excluded by .dockerignore", ignored.Stdout);

        File.Delete(dockerfile + ".dockerignore");
        var notIgnored = await KistAsync(_root.Path, "build", "--check", "-f", dockerfile, _context.Path);
        notIgnored.ShouldSucceed();
        Assert.Equal("Check complete, no warnings found.\n", notIgnored.Stdout);
    }

    [Fact]
    public async Task A_build_arg_fills_an_empty_base_name()
    {
        var blank = await CheckAsync("ARG BASE\nFROM ${BASE}\n");
        Assert.Equal(1, blank.ExitCode);
        Assert.Contains("base name (${BASE}) should not be blank", blank.Stderr);

        var filled = await CheckAsync("ARG BASE\nFROM ${BASE}\n", "--build-arg", "BASE=busybox");
        filled.ShouldSucceed();
        // As BuildKit: the rule judges the ARG's default, whatever --build-arg supplies.
        Assert.Contains("WARNING: InvalidDefaultArgInFrom", filled.Stdout);
        Assert.DoesNotContain("blank", filled.Stdout + filled.Stderr);
    }

    [Fact]
    public async Task A_missing_context_or_Dockerfile_is_a_clear_error()
    {
        var missingContext = await KistAsync(_root.Path, "build", "--check", _context.File("nope"));
        Assert.Equal(1, missingContext.ExitCode);
        Assert.Equal($"Error: unable to prepare context: path \"{_context.File("nope")}\" not found\n", missingContext.Stderr);

        var missingFile = await KistAsync(_root.Path, "build", "--check", _context.Path);
        Assert.Equal(1, missingFile.ExitCode);
        Assert.Contains("failed to read dockerfile", missingFile.Stderr);
    }
}
