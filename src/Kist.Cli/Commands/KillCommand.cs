using System.CommandLine;

namespace Kist.Cli.Commands;

/// <summary><c>kist kill [-s SIGNAL]</c>: a signal (SIGKILL by default) to running containers.</summary>
internal static class KillCommand
{
    public static Command Create(string name = "kill")
    {
        var signal = new Option<string>("--signal", "-s") { Description = "Signal to send to the container", DefaultValueFactory = _ => "KILL" };
        var containers = new Argument<string[]>("CONTAINER") { CustomParser = Cli.Values, Arity = ArgumentArity.OneOrMore };
        var command = new Command(name, "Kill one or more running containers") { signal, containers };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            return await ContainerBatch.ForEachAsync(engine, result.GetValue(containers)!, async record =>
            {
                await engine.Containers.KillAsync(record, result.GetValue(signal)!, cancellationToken);
                return null;
            });
        });
    }
}
