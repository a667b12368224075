using System.CommandLine;
using System.CommandLine.Help;
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

    [Theory]
    [InlineData("run busybox true", false)]
    [InlineData("--root /tmp/x ps -a", false)]
    [InlineData("run --help", true)]
    [InlineData("run busybox ls -h", false)] // run's -h is --hostname, as in docker's
    [InlineData("run -h myhost busybox", false)]
    [InlineData("container create -h myhost busybox", false)]
    [InlineData("container run --help", true)]
    [InlineData("ps -h", true)]
    [InlineData("ps -?", true)]
    [InlineData("--version", true)]
    [InlineData("[suggest] ru", true)]
    [InlineData("nosuchcommand", true)]
    [InlineData("", true)]
    public void OnlyALineThatCanAskForHelpGetsSystemCommandLinesRootCommand(string line, bool rootCommand) =>
        Assert.Equal(rootCommand, CommandCatalog.Root(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)) is RootCommand);

    [Theory]
    [InlineData("run -h myhost busybox hostname")]
    [InlineData("run --help")]
    [InlineData("container create -h myhost --help")]
    public void In_run_and_create_short_h_is_the_hostname_and_help_is_long(string line)
    {
        string[] args = line.Split(' ');
        var result = CommandCatalog.Root(args).Parse(args);
        Assert.Empty(result.Errors);
        bool help = result.Action is HelpAction;
        Assert.Equal(line.Contains("--help"), help);
        if (!help) Assert.Equal("myhost", result.CommandResult.Command.Options.Single(o => o.Name == "--hostname") is Option<string?> o ? result.GetValue(o) : null);
    }

    [Fact]
    public void APlainRootParsesALineAsTheRootCommandParsesIt()
    {
        string[] line = ["--root", "/tmp/x", "run", "--rm", "-e", "A=b", "--name", "n", "busybox", "echo", "hi"];
        var plain = CommandCatalog.Root(line).Parse(line);
        var full = new RootCommand { Cli.Root, Cli.Debug, CommandCatalog.All.Single(c => c.Name == "run").Create() }.Parse(line);
        Assert.Empty(plain.Errors);
        Assert.Equal(full.CommandResult.Command.Name, plain.CommandResult.Command.Name);
        Assert.Equal(full.GetValue(Cli.Root), plain.GetValue(Cli.Root));
        Assert.Equal(Describe(full), Describe(plain));
        Assert.Contains("--name=n", Describe(plain));

        static string Describe(ParseResult result) =>
            string.Join(" ", result.CommandResult.Children.Select(c => c switch
            {
                System.CommandLine.Parsing.OptionResult o => o.Option.Name + "=" + string.Join(",", o.Tokens.Select(t => t.Value)),
                System.CommandLine.Parsing.ArgumentResult a => a.Argument.Name + "=" + string.Join(",", a.Tokens.Select(t => t.Value)),
                _ => c.ToString(),
            }));
    }

    [Fact]
    public void HelpStillWorksAfterTheCommand() =>
        Assert.IsType<HelpAction>(CommandCatalog.Root(["run", "--help"]).Parse(["run", "--help"]).Action);
}
