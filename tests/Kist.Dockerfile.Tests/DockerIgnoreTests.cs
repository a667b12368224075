using Kist.Dockerfile.Ignore;

namespace Kist.Dockerfile.Tests;

public sealed class DockerIgnoreTests
{
    [Theory]
    // plain names match the path and everything below it
    [InlineData("node_modules", "node_modules", true)]
    [InlineData("node_modules", "node_modules/a/b.js", true)]
    [InlineData("node_modules", "src/node_modules", false)]
    // * and ? stay inside one path segment
    [InlineData("*.md", "README.md", true)]
    [InlineData("*.md", "docs/README.md", false)]
    [InlineData("*/*.md", "docs/README.md", true)]
    [InlineData("file?.txt", "file1.txt", true)]
    [InlineData("file?.txt", "file10.txt", false)]
    [InlineData("file?.txt", "file/.txt", false)]
    // ** crosses segments
    [InlineData("**/*.go", "a/b/c.go", true)]
    [InlineData("**/*.go", "c.go", true)]
    [InlineData("**/foo", "foo", true)]
    [InlineData("**/foo", "a/b/foo", true)]
    [InlineData("**/foo", "a/b/xfoo", false)]
    [InlineData("foo/**", "foo/bar", true)]
    [InlineData("foo/**", "foo", false)]
    [InlineData("a/**/b", "a/b", true)]
    [InlineData("a/**/b", "a/x/y/b", true)]
    [InlineData("**", "anything/at/all", true)]
    // character classes
    [InlineData("[abc].txt", "b.txt", true)]
    [InlineData("[abc].txt", "d.txt", false)]
    [InlineData("[^abc].txt", "d.txt", true)]
    [InlineData("[a-c]*", "beta", true)]
    // leading / and ./ are cleaned
    [InlineData("/secret", "secret", true)]
    [InlineData("./secret", "secret", true)]
    [InlineData("a/../b", "b", true)]
    // escapes
    [InlineData("\\*.txt", "*.txt", true)]
    [InlineData("\\*.txt", "a.txt", false)]
    // regex metacharacters are literal
    [InlineData("a+b(c).txt", "a+b(c).txt", true)]
    [InlineData("a.txt", "abtxt", false)]
    public void Single_pattern(string pattern, string path, bool excluded)
    {
        var m = new IgnoreMatcher(DockerIgnore.ReadPatterns(pattern));
        Assert.Equal(excluded, m.IsExcluded(path));
    }

    [Theory]
    [InlineData("*.log\n!important.log", "debug.log", true)]
    [InlineData("*.log\n!important.log", "important.log", false)]
    [InlineData("!important.log\n*.log", "important.log", true)]
    [InlineData("docs\n!docs/README.md", "docs/README.md", false)]
    [InlineData("docs\n!docs/README.md", "docs/other.md", true)]
    [InlineData("*\n!src\n!go.mod", "src/main.go", false)]
    [InlineData("*\n!src\n!go.mod", "Dockerfile", true)]
    [InlineData("*\n!src\n!go.mod", "go.mod", false)]
    [InlineData("**/*.tmp\n!keep/*.tmp", "keep/a.tmp", false)]
    [InlineData("**/*.tmp\n!keep/*.tmp", "other/a.tmp", true)]
    public void Later_lines_win(string patterns, string path, bool excluded)
    {
        var m = new IgnoreMatcher(DockerIgnore.ReadPatterns(patterns));
        Assert.Equal(excluded, m.IsExcluded(path));
    }

    [Fact]
    public void Reading_drops_comments_and_blank_lines_and_trims()
    {
        var patterns = DockerIgnore.ReadPatterns("\uFEFF# comment\n\n  *.o  \r\n! /build/ \n#!not-an-exception\n./x//y/\n");
        Assert.Equal(["*.o", "!build", "x/y"], patterns);
    }

    [Theory]
    [InlineData("[")]
    [InlineData("[a-]")]
    [InlineData("[]")]
    [InlineData("abc\\")]
    [InlineData("!")]
    public void Bad_patterns_are_errors(string pattern)
    {
        Assert.ThrowsAny<DockerfileException>(() => new IgnoreMatcher([pattern]));
    }

    [Fact]
    public void Candidate_paths_prefer_the_dockerfile_specific_file()
    {
        var paths = DockerIgnore.CandidatePaths("/ctx/build/app.Dockerfile", "/ctx");
        Assert.Equal(["/ctx/build/app.Dockerfile.dockerignore", "/ctx/.dockerignore"], paths);
    }
}
