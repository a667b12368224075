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
            try
            {
                var record = await Cli.Engine(result).Containers.CreateAsync(flags.Request(result), cancellationToken);
                Cli.Out.WriteLine(record.Id);
                return 0;
            }
            catch (KistException e)
            {
                Cli.Error.WriteLine("Error: " + e.Message);
                return ExitCodes.Usage;
            }
        });
    }
}
