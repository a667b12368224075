using System.CommandLine;
using Kist.Engine.Build;
using Kist.Oci;

namespace Kist.Cli.Commands;

/// <summary><c>kist rmi</c> / <c>kist image rm</c>: untag, and delete images that lose their last tag.</summary>
internal static class RmiCommand
{
    public static Command Create(string name)
    {
        var force = new Option<bool>("--force", "-f") { Description = "Force removal of the image" };
        var noPrune = new Option<bool>("--no-prune") { Description = "Do not delete untagged parents" };
        var images = new Argument<string[]>("IMAGE") { CustomParser = Cli.Values, Arity = ArgumentArity.OneOrMore };
        var command = new Command(name, "Remove one or more images") { force, noPrune, images };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            int exitCode = 0;
            bool anyDeleted = false;
            foreach (var image in result.GetValue(images)!)
            {
                try
                {
                    var removed = await engine.Images.RemoveAsync(image, result.GetValue(force), cancellationToken);
                    foreach (var untagged in removed.Untagged) Cli.Out.WriteLine("Untagged: " + untagged);
                    foreach (var deleted in removed.Deleted) Cli.Out.WriteLine("Deleted: " + deleted);
                    anyDeleted |= removed.Deleted.Count > 0;
                }
                catch (KistException e)
                {
                    // docker goes on with the other images and fails at the end.
                    Cli.Error.WriteLine("Error: " + e.Message);
                    exitCode = ExitCodes.Failure;
                }
            }
            // The deleted images' unpacked layers that nothing else needs go too, as docker deletes their layers.
            if (anyDeleted) await new SnapshotPruner(engine).TryPruneAsync(cancellationToken);
            return exitCode;
        });
    }
}
