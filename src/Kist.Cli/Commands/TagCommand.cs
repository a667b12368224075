using System.CommandLine;

namespace Kist.Cli.Commands;

/// <summary><c>kist tag SOURCE TARGET</c>.</summary>
internal static class TagCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("SOURCE_IMAGE[:TAG]");
        var target = new Argument<string>("TARGET_IMAGE[:TAG]");
        var command = new Command("tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE") { source, target };
        return command.WithAction(async (result, cancellationToken) =>
        {
            await Cli.Engine(result).Images.TagAsync(result.GetValue(source)!, result.GetValue(target)!, cancellationToken);
            return 0;
        });
    }
}
