using System.CommandLine;
using Kist.Oci;

namespace Kist.Cli.Commands;

/// <summary><c>kist create</c>: a container (record and read-write layer) ready to start; prints its ID.</summary>
internal static class CreateCommand
{
    public static Command Create(string name = "create")
    {
        var flags = new ContainerFlags();
        var command = new Command(name, "Create a new container");
        flags.AddTo(command);
        return command.WithAction(async (result, cancellationToken) =>
        {
            string pull = result.GetValue(flags.Pull)!;
            if (ImagePuller.CheckPolicy(pull) is { } invalid)
            {
                Cli.Error.WriteLine("Error: " + invalid);
                return ExitCodes.Usage;
            }
            try
            {
                var record = await ImagePuller.CreateContainerAsync(Cli.Engine(result), flags.Request(result), pull, cancellationToken);
                Cli.Out.WriteLine(record.Id);
                return 0;
            }
            catch (KistException e)
            {
                // docker create exits 1 for what the daemon refuses (no such image, a name in use, a failed pull)
                // and 125 for flags its client rejects.
                Cli.Error.WriteLine("Error: " + e.Message);
                return e is NotFoundException or ConflictException or RegistryException ? ExitCodes.Failure : ExitCodes.Usage;
            }
        });
    }
}
