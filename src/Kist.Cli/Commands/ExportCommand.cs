using System.CommandLine;
using Kist.Engine.Containers;

namespace Kist.Cli.Commands;

/// <summary><c>kist export</c>: a container's filesystem as a tar archive, to a file or to a redirected stdout.</summary>
internal static class ExportCommand
{
    public static Command Create(string name = "export")
    {
        var output = new Option<string?>("--output", "-o") { Description = "Write to a file, instead of STDOUT" };
        var container = new Argument<string>("CONTAINER");
        var command = new Command(name, "Export a container's filesystem as a tar archive") { output, container };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            string? file = result.GetValue(output);
            if (file is null && Terminal.IsTerminal(1))
            {
                Cli.Error.WriteLine("Error: cowardly refusing to save to a terminal. Use the -o flag or redirect");
                return ExitCodes.Failure;
            }
            var record = engine.Containers.Find(result.GetValue(container)!);
            var exporter = new ContainerExporter(new ContainerFilesystem(engine.Containers.Runtime));
            if (file is null)
            {
                await using var stdout = Console.OpenStandardOutput();
                await exporter.ExportAsync(record, stdout, cancellationToken);
                return 0;
            }
            // Written beside the target and renamed, so that a failed export leaves no half archive.
            string temp = file + ".kist-tmp-" + Environment.ProcessId;
            try
            {
                await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: false))
                    await exporter.ExportAsync(record, stream, cancellationToken);
                File.Move(temp, file, overwrite: true);
            }
            finally { File.Delete(temp); }
            return 0;
        });
    }
}
