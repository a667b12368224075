using Kist.Dockerfile.Syntax;

namespace Kist.Dockerfile.Tests.Peer;

public sealed class ParserPeerTests
{
    private static string ParserDir(params string[] parts) => PeerData.Path(["buildkit-dockerfile-parser", .. parts]);

    public static TheoryData<string> Positive()
    {
        var names = Directory.GetDirectories(ParserDir("testfiles")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(33, names.Length);
        return new TheoryData<string>(names!);
    }

    public static TheoryData<string> Negative()
    {
        var names = Directory.GetDirectories(ParserDir("testfiles-negative")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(4, names.Length);
        return new TheoryData<string>(names!);
    }

    [Theory]
    [MemberData(nameof(Positive))]
    public void Dump_matches_buildkit(string name)
    {
        using var stream = File.OpenRead(ParserDir("testfiles", name, "Dockerfile"));
        var result = DockerfileParser.Parse(stream);
        var expected = File.ReadAllText(ParserDir("testfiles", name, "result")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var actual = string.Concat(result.Children.Select(c => "(" + c.Dump() + ")\n"));
        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(Negative))]
    public void Fails_like_buildkit(string name)
    {
        using var stream = File.OpenRead(ParserDir("testfiles-negative", name, "Dockerfile"));
        var e = Assert.ThrowsAny<DockerfileException>(() => DockerfileParser.Parse(stream));
        Assert.True(e.Line >= 1, $"error without a line: {e.Message}");
    }

    [Fact]
    public void Line_ranges_match_buildkit()
    {
        using var stream = File.OpenRead(ParserDir("testfile-line", "Dockerfile"));
        var result = DockerfileParser.Parse(stream);
        Assert.Equal([(5, 5), (11, 12), (17, 31)], result.Children.Select(c => (c.StartLine, c.EndLine)).ToArray());
        Assert.Equal('\\', result.EscapeToken);
    }
}
