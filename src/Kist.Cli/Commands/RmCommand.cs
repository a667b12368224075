using System.CommandLine;

namespace Kist.Cli.Commands;

/// <summary><c>kist rm [-f] [-v]</c>: containers with their read-write layers (and anonymous volumes with -v).</summary>
internal static class RmCommand
{
    public static Command Create(string name = "rm")
    {
        var force = new Option<bool>("--force", "-f") { Description = "Force the removal of a running container (uses SIGKILL)" };
        var volumes = new Option<bool>("--volumes", "-v") { Description = "Remove anonymous volumes associated with the container" };
        var containers = new Argument<string[]>("CONTAINER") { CustomParser = Cli.Values, Arity = ArgumentArity.OneOrMore };
        var command = new Command(name, "Remove one or more containers") { force, volumes, containers };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            return await ContainerBatch.ForEachAsync(engine, result.GetValue(containers)!, async record =>
            {
                await engine.Containers.RemoveAsync(record, result.GetValue(force), result.GetValue(volumes), cancellationToken);
                return null;
            }, missingIsFine: result.GetValue(force));
        });
    }
}
