using Kist.Cli;
using Xunit;

namespace Kist.Cli.Tests.Commands;

public class CommandCatalogTests
{
    [Fact]
    public void EveryEntryBuildsTheCommandItIsNamedFor()
    {
        foreach (var (name, create) in CommandCatalog.All) Assert.Equal(name, create().Name);
        Assert.Equal(CommandCatalog.All.Count, CommandCatalog.All.Select(c => c.Name).Distinct().Count());
    }

    [Theory]
    [InlineData("run busybox true", "run")]
    [InlineData("--root /tmp/x ps -a", "ps")]
    [InlineData("--root=/tmp/x --debug images", "images")]
    [InlineData("-D image ls", "image")]
    [InlineData("--help", null)]
    [InlineData("", null)]
    public void TheCommandNameIsTheFirstWordAfterTheGlobalOptions(string line, string? expected) =>
        Assert.Equal(expected, CommandCatalog.CommandName(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)));

    [Fact]
    public void ANamedCommandBuildsOnlyItsOwnTreeAndAnythingElseBuildsAll()
    {
        Assert.Equal(["run"], CommandCatalog.For(["run", "busybox"]).Select(c => c.Name));
        Assert.Equal(CommandCatalog.All.Count, CommandCatalog.For(["--help"]).Count());
        Assert.Equal(CommandCatalog.All.Count, CommandCatalog.For(["nosuchcommand"]).Count());
    }
}
