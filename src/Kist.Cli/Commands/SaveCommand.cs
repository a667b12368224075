using System.CommandLine;
using Kist.Content.Archives;
using Kist.Oci;

namespace Kist.Cli.Commands;

/// <summary><c>kist save</c>: images to a docker-archive (default) or an oci-archive, to a file or standard output.</summary>
internal static class SaveCommand
{
    public static Command Create(string name)
    {
        var output = new Option<string?>("--output", "-o") { Description = "Write to a file, instead of STDOUT" };
        var format = new Option<string>("--format") { Description = "Archive format: docker-archive or oci-archive", DefaultValueFactory = _ => "docker-archive" };
        var images = new Argument<string[]>("IMAGE") { CustomParser = Cli.Values, Arity = ArgumentArity.OneOrMore };
        var command = new Command(name, "Save one or more images to a tar archive (streamed to STDOUT by default)") { output, format, images };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var archiveFormat = result.GetValue(format) switch
            {
                "docker-archive" or "docker" => ArchiveFormat.DockerArchive,
                "oci-archive" or "oci" => ArchiveFormat.OciArchive,
                var other => throw new InvalidInputException($"unknown archive format \"{other}\": use docker-archive or oci-archive"),
            };
            var engine = Cli.Engine(result);
            var names = result.GetValue(images)!;
            string? path = result.GetValue(output);
            if (path is null)
            {
                if (!Console.IsOutputRedirected) throw new InvalidInputException("cowardly refusing to save to a terminal. Use the -o flag or redirect");
                await using var stdout = Console.OpenStandardOutput();
                await engine.Images.SaveAsync(names, stdout, archiveFormat, cancellationToken);
                return 0;
            }
            // Written beside the target and renamed, so a failed save leaves no half file behind.
            string full = Path.GetFullPath(path);
            string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
            try
            {
                await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
                {
                    await engine.Images.SaveAsync(names, file, archiveFormat, cancellationToken);
                }
                File.Move(temp, full, overwrite: true);
            }
            finally
            {
                File.Delete(temp);
            }
            return 0;
        });
    }
}
