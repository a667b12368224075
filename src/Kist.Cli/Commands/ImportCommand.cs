using System.CommandLine;
using Kist.Engine.Images;
using Kist.Oci;

namespace Kist.Cli.Commands;

/// <summary><c>kist import FILE|- [REF]</c>: a root filesystem tarball becomes a one-layer image.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var changes = Cli.Repeatable("Apply Dockerfile instruction to the created image", "--change", "-c");
        var message = new Option<string?>("--message", "-m") { Description = "Set commit message for imported image" };
        var platform = new Option<string?>("--platform") { Description = "Set platform if server is multi-platform capable" };
        var file = new Argument<string>("file|-") { Description = "A tarball (plain, gzip or zstd), or - for standard input" };
        var reference = new Argument<string?>("REPOSITORY[:TAG]") { Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("import", "Import the contents from a tarball to create a filesystem image")
        {
            changes, message, platform, file, reference,
        };
        return command.WithAction(async (result, cancellationToken) =>
        {
            string source = result.GetValue(file)!;
            var options = new ImportOptions(
                result.GetValue(reference),
                result.GetValue(changes) ?? [],
                result.GetValue(message),
                result.GetValue(platform) is { } p ? Platform.Parse(p) : null,
                "-");
            var engine = Cli.Engine(result);
            await using var input = source == "-" ? Console.OpenStandardInput() : OpenFile(source);
            var id = await ImportWithProgressAsync(engine, input, source == "-" ? null : source, options, cancellationToken);
            Cli.Out.WriteLine(id.ToString());
            return 0;
        });
    }

    private static async Task<Kist.Oci.Digest> ImportWithProgressAsync(Kist.Engine.KistEngine engine, Stream input, string? path, ImportOptions options, CancellationToken cancellationToken)
    {
        using var progress = Formatting.ProgressLine.ForInput("Importing", path, quiet: false);
        return await new ImageImporter(engine.ImageStore).ImportAsync(Formatting.ProgressLine.Track(input, progress), options, cancellationToken);
    }

    internal static FileStream OpenFile(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        }
        catch (FileNotFoundException)
        {
            throw new NotFoundException($"open {path}: no such file or directory");
        }
        catch (DirectoryNotFoundException)
        {
            throw new NotFoundException($"open {path}: no such file or directory");
        }
    }
}
