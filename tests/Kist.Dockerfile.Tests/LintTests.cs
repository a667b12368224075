using Kist.Dockerfile.Linting;

namespace Kist.Dockerfile.Tests;

public sealed class LintTests
{
    [Fact]
    public void Rule_urls_are_buildkits()
    {
        Assert.Equal("https://docs.docker.com/go/dockerfile/rule/json-args-recommended/", LintRules.JSONArgsRecommended.Url);
        Assert.Equal("https://docs.docker.com/go/dockerfile/rule/from-as-casing/", LintRules.FromAsCasing.Url);
        Assert.Equal("https://docs.docker.com/go/dockerfile/rule/undefined-arg-in-from/", LintRules.UndefinedArgInFrom.Url);
        Assert.Equal("https://docs.docker.com/go/dockerfile/rule/copy-ignored-file/", LintRules.CopyIgnoredFile.Url);
        Assert.Equal(20, LintRules.All.Select(r => r.Name).Distinct().Count());
    }

    [Theory]
    [InlineData("skip=A,B", false, false)]
    [InlineData("skip=all", true, false)]
    [InlineData("error=true", false, true)]
    [InlineData(" skip = A ; error = 1 ", false, true)]
    public void Check_directive(string value, bool skipAll, bool error)
    {
        var c = CheckConfig.Parse(value);
        Assert.Equal(skipAll, c.SkipAll);
        Assert.Equal(error, c.Error);
    }

    [Theory]
    [InlineData("nonsense")]
    [InlineData("error=maybe")]
    [InlineData("colour=blue")]
    public void Bad_check_directive_is_an_error_with_its_line(string value)
    {
        var report = Linter.Lint($"# check={value}\nFROM a\n");
        Assert.NotNull(report.Error);
        Assert.Equal(1, report.Error!.Line);
        Assert.Equal(1, report.ExitCode);
    }

    [Fact]
    public void Warnings_exit_zero_errors_exit_one()
    {
        Assert.Equal(0, Linter.Lint("FROM a\nCMD echo\n").ExitCode);
        Assert.Equal(1, Linter.Lint("# check=error=true\nFROM a\nCMD echo\n").ExitCode);
        Assert.Equal(0, Linter.Lint("# check=error=true\nFROM a\nCMD [\"echo\"]\n").ExitCode);
        Assert.Equal(0, Linter.Lint("# check=error=true;skip=JSONArgsRecommended\nFROM a\nCMD echo\n").ExitCode);
        var parse = Linter.Lint("FROM a\nRUN --bogus x\n");
        Assert.Equal(1, parse.ExitCode);
        Assert.Equal(2, parse.Error!.Line);
    }

    [Fact]
    public void Experimental_rules_need_enabling()
    {
        Assert.False(CheckConfig.Default.IsEnabled(LintRules.CopyIgnoredFile));
        Assert.True(CheckConfig.Default.IsEnabled(LintRules.JSONArgsRecommended));
        Assert.True(CheckConfig.Parse("experimental=CopyIgnoredFile").IsEnabled(LintRules.CopyIgnoredFile));
        Assert.True(CheckConfig.Parse("experimental=all;error=true").IsEnabled(LintRules.CopyIgnoredFile));
        Assert.True(LintRules.CopyIgnoredFile.Experimental);
    }

    [Fact]
    public void Override_config_wins_over_directive()
    {
        var report = Linter.Lint("# check=error=true\nFROM a\nCMD echo\n", new LintOptions { Check = CheckConfig.Parse("skip=all") });
        Assert.Empty(report.Findings);
    }

    [Theory]
    [InlineData("GITHUB_TOKEN", true)]
    [InlineData("AWS_SECRET_ACCESS_KEY", true)]
    [InlineData("DB_PASSWORD", true)]
    [InlineData("password", true)]
    [InlineData("API_KEY2", false)]
    [InlineData("apikey", true)]
    [InlineData("GPG_KEY_FILE", false)]
    [InlineData("TOKEN_VERSION", false)]
    [InlineData("MY__SECRET", true)]
    [InlineData("PUBLIC_KEY", false)]
    [InlineData("KEYBOARD", false)]
    [InlineData("MONKEY", false)]
    [InlineData("AUTHOR", false)]
    public void Secret_names(string name, bool secret) => Assert.Equal(secret, Linter.IsSecretName(name));

    [Theory]
    [InlineData("alpine", true)]
    [InlineData("alpine:3.20", true)]
    [InlineData("localhost:5000/a/b:c", true)]
    [InlineData("ghcr.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("alpine:", false)]
    [InlineData("Alpine", false)]
    [InlineData(":tag", false)]
    [InlineData("", false)]
    public void Image_reference_syntax(string reference, bool valid) => Assert.Equal(valid, ImageReferenceSyntax.IsValid(reference));
}
