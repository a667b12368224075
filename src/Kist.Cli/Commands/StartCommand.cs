using System.CommandLine;

namespace Kist.Cli.Commands;

/// <summary><c>kist start [-a] [-i] CONTAINER...</c>: start stopped containers; attached, this process runs the container.</summary>
internal static class StartCommand
{
    public static Command Create(string name = "start")
    {
        var attach = new Option<bool>("--attach", "-a") { Description = "Attach STDOUT/STDERR and forward signals" };
        var interactive = new Option<bool>("--interactive", "-i") { Description = "Attach container's STDIN" };
        var containers = new Argument<string[]>("CONTAINER") { CustomParser = Cli.Values, Arity = ArgumentArity.OneOrMore };
        var command = new Command(name, "Start one or more stopped containers") { attach, interactive, containers };
        Cli.HandlesSignals.Add(command);
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            var names = result.GetValue(containers)!;
            if (result.GetValue(attach) || result.GetValue(interactive))
            {
                if (names.Length > 1) throw new Kist.Oci.InvalidInputException("you cannot start and attach multiple containers at once");
                var record = engine.Containers.Find(names[0]);
                return await RunCommand.RunAttachedAsync(io => engine.Containers.RunAttachedAsync(record, io), result.GetValue(interactive), record.Config.Tty);
            }
            int exit = 0;
            foreach (var name in names)
            {
                try
                {
                    var record = engine.Containers.Find(name);
                    int code = await RunCommand.StartDetachedAsync(engine, record, printId: false, cancellationToken);
                    if (code == 0) Cli.Out.WriteLine(name);
                    else exit = ExitCodes.Failure;
                }
                catch (Kist.Oci.KistException e)
                {
                    Cli.Error.WriteLine("Error: " + e.Message);
                    exit = ExitCodes.Failure;
                }
            }
            return exit;
        });
    }
}
