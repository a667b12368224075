using System.CommandLine;

namespace Kist.Cli.Commands;

/// <summary><c>kist stop [-t SECONDS]</c>: the stop signal, then SIGKILL after the timeout.</summary>
internal static class StopCommand
{
    public static Command Create(string name = "stop")
    {
        var time = new Option<int?>("--time", "-t") { Description = "Seconds to wait before killing the container" };
        var containers = new Argument<string[]>("CONTAINER") { CustomParser = Cli.Values, Arity = ArgumentArity.OneOrMore };
        var command = new Command(name, "Stop one or more running containers") { time, containers };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            return await ContainerBatch.ForEachAsync(engine, result.GetValue(containers)!, async record =>
            {
                await engine.Containers.StopAsync(record, result.GetValue(time), cancellationToken);
                return null;
            });
        });
    }
}
