using System.CommandLine;
using Kist.Cli.Formatting;
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
            using var progress = ProgressLine.ForInput("Loading", path, result.GetValue(quiet));
            var loaded = await engine.Images.LoadAsync(ProgressLine.Track(source, progress), cancellationToken);
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
