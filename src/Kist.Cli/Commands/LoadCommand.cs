using System.CommandLine;
using Kist.Cli.Formatting;
using Kist.Engine.IO;
using Kist.Oci;

namespace Kist.Cli.Commands;

/// <summary><c>kist load</c>: images from a docker-archive or oci-archive (gzip or zstd compressed or not).</summary>
internal static class LoadCommand
{
    public static Command Create(string name)
    {
        var input = new Option<string?>("--input", "-i") { Description = "Read from tar archive file, instead of STDIN" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Suppress the load output" };
        var command = new Command(name, "Load an image from a tar archive or STDIN") { input, quiet };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            string? path = result.GetValue(input);
            if (path is null && !Console.IsInputRedirected) throw new InvalidInputException("requested load from stdin, but stdin is empty");
            await using Stream source = path is null ? Console.OpenStandardInput() : ImportCommand.OpenFile(path);
            bool showProgress = !result.GetValue(quiet) && !Console.IsOutputRedirected;
            long total = path is null ? 0 : new FileInfo(path).Length;
            using var progress = showProgress ? new ProgressLine("Loading", total) : null;
            Stream stream = progress is null ? source : new ProgressReadStream(source, progress);
            var loaded = await engine.Images.LoadAsync(stream, cancellationToken);
            progress?.Dispose();
            foreach (var image in loaded)
            {
                if (image.Names.Count == 0) Cli.Out.WriteLine("Loaded image ID: " + image.Id);
                foreach (var imageName in image.Names) Cli.Out.WriteLine("Loaded image: " + imageName.ToFamiliarString());
            }
            return 0;
        });
    }
}
