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
            // In the foreground the runtime starts first, and the container is defined and added to the store while
            // it starts; a detached container's monitor (another process) finds it in the store.
            if (!result.GetValue(detach))
            {
                return await RunAttachedAsync(io =>
                {
                    var request = flags.Request(result);
                    return ImagePuller.WithImageAsync(engine, request.Image, pull, () => engine.Containers.RunNewAttachedAsync(request, io), cancellationToken);
                }, result.GetValue(flags.Interactive), result.GetValue(flags.Tty));
            }
            ContainerRecord record;
            try
            {
                record = await ImagePuller.CreateContainerAsync(engine, flags.Request(result), pull, cancellationToken);
            }
            catch (KistException e)
            {
                Cli.Error.WriteLine("Error: " + e.Message);
                return ExitCodes.Usage;
            }
            return await StartDetachedAsync(engine, record, printId: true, cancellationToken);
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
    /// Runs a container with this process as its monitor (<paramref name="run"/>, given the container's IO) and
    /// returns docker's exit code for the run.
    /// </summary>
    internal static async Task<int> RunAttachedAsync(Func<ContainerIO, Task<RunOutcome>> run, bool interactive, bool tty)
    {
        bool terminal = tty && Terminal.IsTerminal(0) && Terminal.IsTerminal(1);
        RunOutcome outcome;
        try
        {
            Cli.Out.Flush();
            outcome = await run(new ContainerIO { Attach = true, Stdin = interactive, Terminal = terminal, Pty = tty && !terminal });
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
