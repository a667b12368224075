using Kist.Engine.Containers;
using Kist.Oci;

namespace Kist.Cli.Tests.Containers;

/// <summary>docker cp's path rules (moby's CopyInfoDestinationPath), without a container.</summary>
public sealed class CopyPathsTests
{
    [Theory]
    [InlineData("c1:/etc/passwd", "c1", "/etc/passwd")]
    [InlineData("c1:relative", "c1", "relative")]
    [InlineData("./a:b", null, "./a:b")]
    [InlineData("/abs/a:b", null, "/abs/a:b")]
    [InlineData("-", null, "-")]
    [InlineData("plain", null, "plain")]
    public void Endpoints_are_split_at_the_first_colon_unless_a_slash_comes_first(string argument, string? container, string path)
    {
        var endpoint = CopyEndpoint.Parse(argument);
        Assert.Equal(container, endpoint.Container);
        Assert.Equal(path, endpoint.Path);
    }

    [Fact]
    public void An_empty_container_path_is_refused() => Assert.Throws<InvalidInputException>(() => CopyEndpoint.Parse("c1:"));

    [Theory]
    [InlineData("/a/b", true, "b", false)]
    [InlineData("/a/b/", true, "b", false)]
    [InlineData("/a/b/.", true, "b", true)]
    [InlineData("/", true, "", true)]
    [InlineData("file", false, "file", false)]
    public void Sources_are_named_by_their_last_element(string path, bool directory, string name, bool contents)
    {
        var source = CopyPaths.Source(path, directory);
        Assert.Equal(name, source.BaseName);
        Assert.Equal(contents, source.ContentsOnly);
    }

    [Theory]
    [InlineData("/a/file/")]
    [InlineData("/a/file/.")]
    public void A_file_named_as_a_directory_is_an_error(string path) =>
        Assert.Throws<InvalidInputException>(() => CopyPaths.Source(path, isDirectory: false));

    public static TheoryData<bool, bool, string, bool, bool, bool, string?> Rules => new()
    {
        // source dir?, contents?, destination, exists, is dir, → into destination?, name
        { false, false, "/dst", false, false, false, null },   // file → new file named dst
        { false, false, "/dst", true, false, false, null },    // file → overwrites the file dst
        { false, false, "/dst", true, true, true, "src" },     // file → dst/src
        { false, false, "/dst/", true, true, true, "src" },
        { true, false, "/dst", false, false, false, null },    // dir → created as dst, with the contents
        { true, false, "/dst", true, true, true, "src" },       // dir → dst/src
        { true, true, "/dst", true, true, true, null },         // dir/. → contents into dst
        { true, true, "/dst", false, false, false, null },      // dir/. → created as dst
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Destinations_follow_dockers_rules(bool directory, bool contents, string destination, bool exists, bool isDirectory, bool into, string? name)
    {
        var plan = CopyPaths.Plan(new CopySource(directory, "src", contents), destination, new CopyDestination(exists, isDirectory));
        Assert.Equal(into, plan.IntoDestination);
        Assert.Equal(name, plan.Name);
    }

    [Fact]
    public void A_directory_cannot_replace_a_file() =>
        Assert.Throws<InvalidInputException>(() => CopyPaths.Plan(new CopySource(true, "src", false), "/dst", new CopyDestination(true, false)));

    [Fact]
    public void A_file_into_a_missing_directory_is_an_error() =>
        Assert.Throws<InvalidInputException>(() => CopyPaths.Plan(new CopySource(false, "src", false), "/missing/", new CopyDestination(false, false)));
}
