using System.CommandLine;

namespace Kist.Cli.Commands;

/// <summary><c>kist image …</c>: the image commands under docker's management-command names.</summary>
internal static class ImageCommand
{
    public static Command Create()
    {
        var list = ImagesCommand.Create("ls");
        list.Aliases.Add("list");
        var remove = RmiCommand.Create("rm");
        remove.Aliases.Add("remove");
        return new Command("image", "Manage images")
        {
            list,
            remove,
            InspectCommand.Create("inspect", imagesOnly: true),
            HistoryCommand.Create("history"),
            SaveCommand.Create("save"),
            LoadCommand.Create("load"),
            ImportCommand.Create(),
            TagCommand.Create(),
            PullCommand.Create("pull"),
            PushCommand.Create("push"),
            PruneCommand.CreateImagePrune(),
            ImageMountCommands.CreateMount(),
            ImageMountCommands.CreateUnmount(),
            ImageMountCommands.CreateUnpack(),
        };
    }
}
