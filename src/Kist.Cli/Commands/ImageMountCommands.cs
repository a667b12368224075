using System.CommandLine;
using Kist.Engine.Layers;

namespace Kist.Cli.Commands;

/// <summary><c>kist image mount|unmount|unpack</c>: an image's root filesystem, mounted read-only or written to a directory.</summary>
internal static class ImageMountCommands
{
    public static Command CreateMount()
    {
        var image = new Argument<string>("IMAGE");
        var command = new Command("mount", "Mount an image's root filesystem read-only and print the mount point") { image };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var path = await new ImageMountService(Cli.Engine(result)).MountAsync(result.GetValue(image)!, cancellationToken);
            Cli.Out.WriteLine(path);
            return 0;
        });
    }

    public static Command CreateUnmount()
    {
        var image = new Argument<string>("IMAGE");
        var command = new Command("unmount", "Unmount an image mounted with 'kist image mount'") { image };
        command.Aliases.Add("umount");
        return command.WithAction(async (result, cancellationToken) =>
        {
            await new ImageMountService(Cli.Engine(result)).UnmountAsync(result.GetValue(image)!, cancellationToken);
            return 0;
        });
    }

    public static Command CreateUnpack()
    {
        var image = new Argument<string>("IMAGE");
        var directory = new Argument<string>("DIR");
        var command = new Command("unpack", "Write an image's flattened root filesystem into a directory") { image, directory };
        return command.WithAction(async (result, cancellationToken) =>
        {
            await new ImageMountService(Cli.Engine(result)).UnpackAsync(result.GetValue(image)!, Path.GetFullPath(result.GetValue(directory)!), cancellationToken);
            return 0;
        });
    }
}
