using Kist.Engine.Images;
using Kist.Oci;

namespace Kist.Cli.Tests.Images;

/// <summary>commit/import --change against the config they start from, as docker applies them (checked with docker 20.10).</summary>
public sealed class ConfigChangesTests
{
    private static readonly ContainerConfig Container = new() { Cmd = ["busybox", "true"], Entrypoint = null };

    [Theory]
    [InlineData(new[] { "ENTRYPOINT [\"echo\"]" }, null)] // a new entrypoint drops the old command
    [InlineData(new[] { "ENTRYPOINT [\"echo\"]", "CMD [\"x\"]" }, "x")]
    [InlineData(new[] { "CMD [\"x\"]", "ENTRYPOINT [\"echo\"]" }, "x")]
    [InlineData(new[] { "ENV A=1" }, "busybox true")]
    public void An_entrypoint_resets_the_command_unless_the_changes_set_one(string[] changes, string? command)
    {
        var config = ConfigChanges.Apply(Container, changes);
        Assert.Equal(command, config.Cmd is null ? null : string.Join(' ', config.Cmd));
        if (changes.Any(c => c.StartsWith("ENTRYPOINT", StringComparison.Ordinal))) Assert.Equal(["echo"], config.Entrypoint);
    }
}
