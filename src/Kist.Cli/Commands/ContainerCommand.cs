using System.CommandLine;

namespace Kist.Cli.Commands;

/// <summary><c>kist container ls|run|create|start|stop|kill|restart|rm|logs|wait|inspect</c>, and the hidden monitor.</summary>
internal static class ContainerCommand
{
    public static Command Create()
    {
        var ls = PsCommand.Create("ls");
        ls.Aliases.Add("list");
        ls.Aliases.Add("ps");
        var command = new Command("container", "Manage containers")
        {
            ls, RunCommand.Create(), CreateCommand.Create(), StartCommand.Create(), StopCommand.Create(), KillCommand.Create(),
            RestartCommand.Create(), RmCommand.Create(), LogsCommand.Create(), WaitCommand.Create(), InspectCommand.Create("inspect", containersOnly: true),
            ExecCommand.Create(), DiffCommand.Create(), CommitCommand.Create(), ExportCommand.Create(), CpCommand.Create(), PruneCommand.CreateContainerPrune(),
        };
        return command;
    }

    /// <summary><c>kist container-monitor ID</c>: a container's monitor process (started by run -d and start; not for users).</summary>
    public static Command CreateMonitor()
    {
        var id = new Argument<string>("ID");
        var command = new Command("container-monitor", "Keep a container (internal)") { id };
        command.Hidden = true;
        Cli.HandlesSignals.Add(command);
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            var record = engine.Containers.Find(result.GetValue(id)!);
            return await engine.Containers.RunMonitorAsync(record);
        });
    }
}
