using System.CommandLine;

namespace Kist.Cli.Commands;

/// <summary><c>kist restart [-t SECONDS]</c>: stop (if running), then start under a detached monitor.</summary>
internal static class RestartCommand
{
    public static Command Create(string name = "restart")
    {
        var time = new Option<int?>("--time", "-t") { Description = "Seconds to wait before killing the container" };
        var containers = new Argument<string[]>("CONTAINER") { CustomParser = Cli.Values, Arity = ArgumentArity.OneOrMore };
        var command = new Command(name, "Restart one or more containers") { time, containers };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            return await ContainerBatch.ForEachAsync(engine, result.GetValue(containers)!, async record =>
            {
                await engine.Containers.StopForRestartAsync(record, result.GetValue(time), cancellationToken);
                var failure = await engine.Containers.StartDetachedAsync(record, RunCommand.MonitorCommand(engine, record.Id), cancellationToken);
                if (failure is not null) throw new Kist.Oci.KistException(failure.Error ?? "cannot start container");
                return null;
            });
        });
    }
}
