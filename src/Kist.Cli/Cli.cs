using System.CommandLine;
using System.CommandLine.Parsing;
using Kist.Engine;

namespace Kist.Cli;

/// <summary>The options every command takes, and the engine they select.</summary>
internal static class Cli
{
    public static readonly Option<string?> Root = new("--root")
    {
        Description = $"Root directory of the store (default: ${KistEngine.RootEnvironmentVariable} or {KistEngine.DefaultRoot})",
        Recursive = true,
    };

    public static readonly Option<bool> Debug = new("--debug", "-D")
    {
        Description = "Show stack traces of errors",
        Recursive = true,
    };

    /// <summary>
    /// A flag given any number of times (<c>-e A -e B</c>): its values as given, none when it is absent.
    /// System.CommandLine's own conversion and default make the array through reflection (Array.CreateInstance), whose
    /// first use costs ~0.15 ms of a command.
    /// </summary>
    public static Option<string[]> Repeatable(string description, string name, params string[] aliases) =>
        new(name, aliases) { Description = description, CustomParser = Values, DefaultValueFactory = _ => [] };

    /// <summary>The values of an argument or flag as given, for a <c>string[]</c> one (see <see cref="Repeatable"/>).</summary>
    public static string[] Values(ArgumentResult result) => [.. result.Tokens.Select(t => t.Value)];

    public static KistEngine Engine(ParseResult result) => new(KistEngine.ResolveRoot(result.GetValue(Root)));

    public static TextWriter Out => Console.Out;
    public static TextWriter Error => Console.Error;

    /// <summary>Asks a yes/no question on the terminal, as docker's prune does; no input means no.</summary>
    public static bool Confirm(string warning)
    {
        Out.Write(warning + "\nAre you sure you want to continue? [y/N] ");
        Out.Flush();
        string? answer = Console.In.ReadLine();
        return answer?.Trim().ToLowerInvariant() is "y" or "yes";
    }

    /// <summary>
    /// Positional arguments never take a token that looks like a flag, so that <c>--foo</c> is reported
    /// as docker reports it ("unknown flag") instead of being taken for an image name.
    /// </summary>
    public static void RejectUnknownFlags(Command command)
    {
        foreach (var argument in command.Arguments)
        {
            if (FlagLikeArguments.Contains(argument)) continue;
            argument.Validators.Add(result =>
            {
                foreach (var token in result.Tokens)
                {
                    if (token.Value.Length > 1 && token.Value[0] == '-') result.AddError($"unknown flag: {token.Value}");
                }
            });
        }
        foreach (var subcommand in command.Subcommands) RejectUnknownFlags(subcommand);
    }

    private static readonly HashSet<Argument> FlagLikeArguments = [];

    /// <summary>Exempts an argument from <see cref="RejectUnknownFlags"/>: a container's own command line.</summary>
    public static void AllowFlagLikeTokens(Argument argument) => FlagLikeArguments.Add(argument);

    /// <summary>Commands that handle SIGINT/SIGTERM themselves (forwarding them to a container).</summary>
    public static readonly HashSet<Command> HandlesSignals = [];

    public static Command WithAction(this Command command, Func<ParseResult, CancellationToken, Task<int>> action)
    {
        command.SetAction(action);
        return command;
    }
}
