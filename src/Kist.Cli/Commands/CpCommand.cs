using System.CommandLine;
using Kist.Engine.Containers;
using Kist.Oci;

namespace Kist.Cli.Commands;

/// <summary><c>kist cp</c>: copy files between a container and the local filesystem, or a tar stream with <c>-</c>.</summary>
internal static class CpCommand
{
    public static Command Create(string name = "cp")
    {
        var archive = new Option<bool>("--archive", "-a") { Description = "Archive mode (copy all uid/gid information)" };
        var follow = new Option<bool>("--follow-link", "-L") { Description = "Always follow symbol link in SRC_PATH" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Suppress progress output during copy (accepted; there is none)" };
        var source = new Argument<string>("SRC_PATH");
        var destination = new Argument<string>("DEST_PATH");
        var command = new Command(name, "Copy files/folders between a container and the local filesystem") { archive, follow, quiet, source, destination };
        Cli.AllowFlagLikeTokens(source);
        Cli.AllowFlagLikeTokens(destination);
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            CopyEndpoint from, to;
            try
            {
                from = CopyEndpoint.Parse(result.GetValue(source)!);
                to = CopyEndpoint.Parse(result.GetValue(destination)!);
            }
            catch (InvalidInputException e)
            {
                Cli.Error.WriteLine("Error: " + e.Message);
                return ExitCodes.Failure;
            }
            if ((from.Container is null) == (to.Container is null))
            {
                Cli.Error.WriteLine(from.Container is null
                    ? "Error: must specify at least one container source"
                    : "Error: copying between containers is not supported");
                return ExitCodes.Failure;
            }
            var copier = new ContainerCopier(new ContainerFilesystem(engine.Containers.Runtime));
            if (from.Container is { } src)
            {
                if (to.IsStream && Terminal.IsTerminal(1))
                {
                    Cli.Error.WriteLine("Error: cowardly refusing to save to a terminal. Use the -o flag or redirect");
                    return ExitCodes.Failure;
                }
                var record = engine.Containers.Find(src);
                await copier.FromContainerAsync(record, from.Path, to.Path, result.GetValue(archive), result.GetValue(follow), Console.OpenStandardOutput, cancellationToken);
            }
            else
            {
                var record = engine.Containers.Find(to.Container!);
                await copier.ToContainerAsync(record, from.Path, to.Path, result.GetValue(archive), result.GetValue(follow), Console.OpenStandardInput, cancellationToken);
            }
            return 0;
        });
    }
}
