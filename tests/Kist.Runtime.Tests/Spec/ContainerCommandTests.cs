using Kist.Oci;
using Kist.Runtime.Spec;

namespace Kist.Runtime.Tests.Spec;

public sealed class ContainerCommandTests
{
    private static readonly ContainerConfig Image = new() { Entrypoint = ["/ep", "a"], Cmd = ["c1", "c2"] };

    [Theory]
    // no --entrypoint, no args: image entrypoint + image cmd
    [InlineData(null, new string[0], "/ep a c1 c2")]
    // args replace the image cmd, the entrypoint stays
    [InlineData(null, new[] { "x" }, "/ep a x")]
    // --entrypoint drops the image cmd
    [InlineData("sh", new string[0], "sh")]
    [InlineData("sh", new[] { "-c", "true" }, "sh -c true")]
    // --entrypoint "" clears the entrypoint and the image cmd
    [InlineData("", new[] { "echo" }, "echo")]
    public void Entrypoint_and_cmd_combine_as_docker(string? entrypoint, string[] args, string expected)
    {
        var user = entrypoint is null ? null : entrypoint.Length == 0 ? Array.Empty<string>() : new[] { entrypoint };
        var (ep, cmd) = ContainerCommand.Merge(user, args, Image);
        var (path, rest) = ContainerCommand.PathAndArgs(ep, cmd);
        Assert.Equal(expected, string.Join(' ', new[] { path }.Concat(rest)));
    }

    [Fact]
    public void An_image_with_only_cmd_runs_it_and_args_replace_it()
    {
        var image = new ContainerConfig { Cmd = ["sh"] };
        Assert.Equal(["sh"], ContainerCommand.Merge(null, [], image).Cmd);
        Assert.Equal(["id"], ContainerCommand.Merge(null, ["id"], image).Cmd);
    }

    [Fact]
    public void No_command_at_all_is_refused()
    {
        var (ep, cmd) = ContainerCommand.Merge(null, [], new ContainerConfig());
        Assert.Throws<InvalidInputException>(() => ContainerCommand.PathAndArgs(ep, cmd));
    }
}
