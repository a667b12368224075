using System.CommandLine;
using System.CommandLine.Help;
using Kist.Cli.Commands;

namespace Kist.Cli;

/// <summary>
/// The top-level commands by name. A command line that names one of them builds only that command's tree:
/// building all of them costs a millisecond of every <c>kist run</c>; help and unknown commands get them all.
/// </summary>
internal static class CommandCatalog
{
    public static readonly IReadOnlyList<(string Name, Func<Command> Create)> All =
    [
        ("images", () => ImagesCommand.Create("images")),
        ("import", ImportCommand.Create),
        ("tag", TagCommand.Create),
        ("rmi", () => RmiCommand.Create("rmi")),
        ("inspect", () => InspectCommand.Create("inspect")),
        ("history", () => HistoryCommand.Create("history")),
        ("save", () => SaveCommand.Create("save")),
        ("load", () => LoadCommand.Create("load")),
        ("image", ImageCommand.Create),
        ("system", SystemCommand.Create),
        ("build", BuildCommand.Create),
        ("builder", BuilderCommand.Create),
        (RegistryCommand.Name, RegistryCommand.Create),
        ("volume", VolumeCommand.Create),
        ("pull", () => PullCommand.Create("pull")),
        ("push", () => PushCommand.Create("push")),
        ("login", LoginCommands.Login),
        ("logout", LoginCommands.Logout),
        ("run", () => RunCommand.Create()),
        ("create", () => CreateCommand.Create()),
        ("start", () => StartCommand.Create()),
        ("stop", () => StopCommand.Create()),
        ("kill", () => KillCommand.Create()),
        ("restart", () => RestartCommand.Create()),
        ("rm", () => RmCommand.Create()),
        ("ps", () => PsCommand.Create()),
        ("logs", () => LogsCommand.Create()),
        ("wait", () => WaitCommand.Create()),
        ("exec", () => ExecCommand.Create()),
        ("diff", () => DiffCommand.Create()),
        ("commit", () => CommitCommand.Create()),
        ("export", () => ExportCommand.Create()),
        ("cp", () => CpCommand.Create()),
        ("container", ContainerCommand.Create),
        ("container-monitor", ContainerCommand.CreateMonitor),
    ];

    /// <summary>The commands a command line needs: the one it names, or all of them.</summary>
    public static IEnumerable<Command> For(IReadOnlyList<string> args)
    {
        string? name = CommandName(args);
        var named = All.Where(c => c.Name == name).ToList();
        return (named.Count == 1 ? named : All).Select(c => c.Create());
    }

    private const string Description = "Kist: a daemonless, Docker-compatible image and container engine";

    /// <summary>
    /// The root command for a command line, with the global options and the commands it needs. RootCommand's help
    /// option loads System.CommandLine's resources for its description, ~0.8 ms of CPU in every start: a command line
    /// that names one command and asks for no help gets a plain root, which parses it the same way.
    /// </summary>
    public static Command Root(IReadOnlyList<string> args)
    {
        bool shortHIsHostname = HostnameIsShortH(args);
        var root = NeedsRootCommand(args, shortHIsHostname) ? new RootCommand(Description) : new Command("kist", Description);
        if (shortHIsHostname)
        {
            // In run and create, as in docker's, -h is --hostname: help is --help there.
            foreach (var help in root.Options.OfType<HelpOption>()) help.Aliases.Remove("-h");
        }
        root.Add(Cli.Root);
        root.Add(Cli.Debug);
        foreach (var command in For(args)) root.Add(command);
        return root;
    }

    /// <summary>
    /// Whether the command line needs System.CommandLine's <see cref="RootCommand"/>: for its help option (recursive,
    /// so a help token anywhere), its version option, its directives, or the help it shows when no known command is
    /// named.
    /// </summary>
    private static bool NeedsRootCommand(IReadOnlyList<string> args, bool shortHIsHostname)
    {
        string? name = CommandName(args);
        return All.Count(c => c.Name == name) != 1
            || args.Any(a => a is "--help" or "-?" or "/h" or "/?" or "--version" || (a == "-h" && !shortHIsHostname))
            || (args.Count > 0 && args[0].StartsWith('['));
    }

    /// <summary>Whether the command is <c>run</c> or <c>create</c> (also under <c>container</c>), whose -h is --hostname.</summary>
    private static bool HostnameIsShortH(IReadOnlyList<string> args)
    {
        int i = CommandIndex(args);
        if (i < 0) return false;
        if (args[i] == "container" && i + 1 < args.Count) i++;
        return args[i] is "run" or "create";
    }

    /// <summary>The first token after the global options (<c>--root DIR</c>, <c>--debug</c>), if it is a word.</summary>
    internal static string? CommandName(IReadOnlyList<string> args) => CommandIndex(args) is int i and >= 0 ? args[i] : null;

    /// <summary>Where <see cref="CommandName"/> is in <paramref name="args"/>; -1 when there is none.</summary>
    internal static int CommandIndex(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--root") i++;
            else if (arg.StartsWith("--root=", StringComparison.Ordinal) || arg is "--debug" or "-D") continue;
            else return arg.StartsWith('-') ? -1 : i;
        }
        return -1;
    }
}
