using System.CommandLine;
using Kist.Engine;
using Kist.Engine.Containers;
using Kist.Oci;
using Kist.Runtime.Monitor;
using Kist.Runtime.State;

namespace Kist.Cli.Commands;

/// <summary>
/// <c>kist run</c>: create a container and start it; in the foreground this process is the container's monitor
/// (its output on the terminal and in the log, signals forwarded, its exit code returned), with <c>-d</c> a
/// detached monitor process keeps it.
/// </summary>
internal static class RunCommand
{
    public static Command Create(string name = "run")
    {
        var flags = new ContainerFlags();
        var detach = new Option<bool>("--detach", "-d") { Description = "Run container in background and print container ID" };
        var command = new Command(name, "Create and run a new container from an image") { detach };
        flags.AddTo(command);
        Cli.HandlesSignals.Add(command);
        return command.WithAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(flags.Tty) && result.GetValue(flags.Interactive) && !Terminal.IsTerminal(0))
            {
                Cli.Error.WriteLine("the input device is not a TTY");
                return ExitCodes.Failure;
            }
            Kist.Runtime.Diagnostics.Timings.Mark("action");
            var engine = Cli.Engine(result);
            string pull = result.GetValue(flags.Pull)!;
            if (ImagePuller.CheckPolicy(pull) is { } invalid)
            {
                Cli.Error.WriteLine("Error: " + invalid);
                return ExitCodes.Usage;
            }
            ContainerRecord record;
            bool detached = result.GetValue(detach);
            try
            {
                // A detached container's monitor (another process) finds it in the store; in the foreground the
                // container is added to the store while the runtime starts.
                record = await ImagePuller.DefineContainerAsync(engine, flags.Request(result), pull, cancellationToken);
                if (detached) await engine.Containers.AddAsync(record, cancellationToken);
            }
            catch (KistException e)
            {
                Cli.Error.WriteLine("Error: " + e.Message);
                return ExitCodes.Usage;
            }
            if (detached) return await StartDetachedAsync(engine, record, printId: true, cancellationToken);
            return await RunAttachedAsync(engine, record, result.GetValue(flags.Interactive), result.GetValue(flags.Tty), isNew: true);
        });
    }

    /// <summary>Starts the container under a monitor process of its own; the container's ID on success.</summary>
    internal static async Task<int> StartDetachedAsync(KistEngine engine, ContainerRecord record, bool printId, CancellationToken cancellationToken)
    {
        RunOutcome? failure;
        try
        {
            failure = await engine.Containers.StartDetachedAsync(record, MonitorCommand(engine, record.Id), cancellationToken);
        }
        catch (KistException e)
        {
            Cli.Error.WriteLine("Error: " + e.Message);
            return ExitCodes.Usage;
        }
        if (failure is not null)
        {
            Cli.Error.WriteLine("Error: " + failure.Error);
            return failure.ExitCode;
        }
        if (printId) Cli.Out.WriteLine(record.Id);
        return 0;
    }

    /// <summary>
    /// Runs the container with this process as its monitor and returns docker's exit code for the run; a new container
    /// (<paramref name="isNew"/>, not yet in the store) is added to it meanwhile.
    /// </summary>
    internal static async Task<int> RunAttachedAsync(KistEngine engine, ContainerRecord record, bool interactive, bool tty, bool isNew = false)
    {
        bool terminal = tty && Terminal.IsTerminal(0) && Terminal.IsTerminal(1);
        RunOutcome outcome;
        try
        {
            Cli.Out.Flush();
            var io = new ContainerIO { Attach = true, Stdin = interactive, Terminal = terminal, Pty = tty && !terminal };
            outcome = await (isNew ? engine.Containers.RunNewAttachedAsync(record, io) : engine.Containers.RunAttachedAsync(record, io));
        }
        catch (KistException e)
        {
            Cli.Error.WriteLine("Error: " + e.Message);
            return ExitCodes.Usage;
        }
        if (outcome.Failed) Cli.Error.WriteLine("Error: " + outcome.Error);
        return outcome.ExitCode;
    }

    internal static IReadOnlyList<string> MonitorCommand(KistEngine engine, string id) =>
        [Environment.ProcessPath ?? "kist", "--root", engine.Layout.Root, "container-monitor", id];
}
