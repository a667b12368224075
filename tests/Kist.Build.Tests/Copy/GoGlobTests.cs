using Kist.Build.Copy;
using Kist.Oci;

namespace Kist.Build.Tests.Copy;

public sealed class GoGlobTests
{
    [Theory]
    [InlineData("abc", "abc", true)]
    [InlineData("*", "abc", true)]
    [InlineData("*c", "abc", true)]
    [InlineData("a*", "a", true)]
    [InlineData("a*/b", "abc/b", false)]
    [InlineData("a*b*c*d*e*", "axbxcxdxe", true)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "ac", false)]
    [InlineData("a[a-c]d", "abd", true)]
    [InlineData("a[^a-c]d", "abd", false)]
    [InlineData("a[^a-c]d", "axd", true)]
    [InlineData("a[!a-c]d", "!", false)]
    [InlineData("a\\*b", "a*b", true)]
    [InlineData("a\\*b", "axb", false)]
    [InlineData("[\\]a]", "]", true)]
    [InlineData("*.txt", "we[ird].txt", true)]
    [InlineData("*x", "xxx", true)]
    public void MatchesAsFilepathMatch(string pattern, string name, bool expected) =>
        Assert.Equal(expected, GoGlob.Match(pattern, name));

    [Theory]
    [InlineData("[")]
    [InlineData("a[")]
    [InlineData("[a-]")]
    [InlineData("\\")]
    public void MalformedPatternsThrow(string pattern) =>
        Assert.Throws<InvalidInputException>(() => GoGlob.Match(pattern, "zzzz"));

    [Theory]
    [InlineData("a*", true)]
    [InlineData("a\\*", false)]
    [InlineData("dir/f?le", true)]
    [InlineData("plain/path.txt", false)]
    public void DetectsWildcards(string pattern, bool expected) => Assert.Equal(expected, GoGlob.HasWildcards(pattern));
}
