using System.CommandLine;
using Kist.Cli.Formatting;
using Kist.Engine.Distribution;
using Kist.Oci;

namespace Kist.Cli.Commands;

/// <summary><c>kist pull</c>: an image (or every tag of a repository) from a registry into the store.</summary>
internal static class PullCommand
{
    public static Command Create(string name)
    {
        var platform = new Option<string?>("--platform") { Description = "Set platform if server is multi-platform capable (os/arch[/variant])" };
        var allTags = new Option<bool>("--all-tags", "-a") { Description = "Download all tagged images in the repository" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Suppress verbose output" };
        var image = new Argument<string>("NAME[:TAG|@DIGEST]");
        var registry = new RegistryOptions();
        var command = new Command(name, "Download an image from a registry") { platform, allTags, quiet, image };
        registry.AddTo(command);
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            string input = result.GetValue(image)!;
            bool all = result.GetValue(allTags), isQuiet = result.GetValue(quiet);
            var options = new PullOptions(result.GetValue(platform) is { } p ? Platform.Parse(p) : null, all);
            var parsed = ImageReference.ParseRepository(input);
            using var display = isQuiet ? null : TransferDisplay.ForConsole();
            ITransferObserver observer = display is null ? NullTransferObserver.Instance : display;
            if (!all && parsed.Tag is null && parsed.Digest is null) observer.Message("Using default tag: latest");
            var pulled = await engine.Pull(registry.Read(result)).PullAsync(input, options, observer, cancellationToken);
            display?.Dispose();
            foreach (var one in pulled)
            {
                if (!isQuiet) ImagePuller.ReportStatus(Cli.Out, one);
                if (!all) Cli.Out.WriteLine(one.Reference.ToString());
            }
            if (all) Cli.Out.WriteLine(parsed.Repository);
            return 0;
        });
    }
}
