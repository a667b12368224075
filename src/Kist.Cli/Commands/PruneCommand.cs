using System.CommandLine;
using Kist.Cli.Formatting;
using Kist.Engine.Build;
using Kist.Engine.Containers;
using Kist.Engine.Images;
using Kist.Engine.Volumes;

namespace Kist.Cli.Commands;

/// <summary><c>kist image prune</c> and <c>kist system prune</c>.</summary>
internal static class PruneCommand
{
    public static Command CreateImagePrune()
    {
        var all = new Option<bool>("--all", "-a") { Description = "Remove all unused images, not just dangling ones" };
        var force = new Option<bool>("--force", "-f") { Description = "Do not prompt for confirmation" };
        var command = new Command("prune", "Remove unused images") { all, force };
        return command.WithAction(async (result, cancellationToken) =>
        {
            bool everything = result.GetValue(all);
            string warning = everything
                ? "WARNING! This will remove all images without at least one container associated to them."
                : "WARNING! This will remove all dangling images.";
            if (!result.GetValue(force) && !Cli.Confirm(warning)) return 0;
            var engine = Cli.Engine(result);
            var pruned = await engine.Images.PruneAsync(everything, cancellationToken);
            ReportImages(pruned);
            // The deleted images' unpacked layers go with them, as docker deletes their layers.
            long layers = pruned.DeletedImages.Count > 0 ? await new SnapshotPruner(engine).TryPruneAsync(cancellationToken) : 0;
            Cli.Out.WriteLine("Total reclaimed space: " + Units.HumanSize(pruned.ReclaimedBytes + layers));
            return 0;
        });
    }

    public static Command CreateContainerPrune()
    {
        var force = new Option<bool>("--force", "-f") { Description = "Do not prompt for confirmation" };
        var command = new Command("prune", "Remove all stopped containers") { force };
        return command.WithAction(async (result, cancellationToken) =>
        {
            if (!result.GetValue(force) && !Cli.Confirm("WARNING! This will remove all stopped containers.")) return 0;
            var pruned = await new ContainerPruner(Cli.Engine(result).Containers).PruneAsync(cancellationToken);
            ReportContainers(pruned);
            Cli.Out.WriteLine("Total reclaimed space: " + Units.HumanSize(pruned.ReclaimedBytes));
            return 0;
        });
    }

    private static void ReportContainers(ContainerPruneResult pruned)
    {
        if (pruned.Deleted.Count == 0) return;
        Cli.Out.WriteLine("Deleted Containers:");
        foreach (var id in pruned.Deleted) Cli.Out.WriteLine(id);
        Cli.Out.WriteLine();
    }

    public static Command CreateSystemPrune()
    {
        var all = new Option<bool>("--all", "-a") { Description = "Remove all unused images not just dangling ones" };
        var force = new Option<bool>("--force", "-f") { Description = "Do not prompt for confirmation" };
        var volumes = new Option<bool>("--volumes") { Description = "Prune anonymous volumes" };
        var command = new Command("prune", "Remove unused data") { all, force, volumes };
        return command.WithAction(async (result, cancellationToken) =>
        {
            bool everything = result.GetValue(all);
            string warning = "WARNING! This will remove:\n  - all stopped containers\n"
                + (result.GetValue(volumes) ? "  - all anonymous volumes not used by at least one container\n" : "")
                + (everything ? "  - all images without at least one container associated to them\n" : "  - all dangling images\n")
                + (everything ? "  - all build cache\n" : "  - unused build cache\n");
            if (!result.GetValue(force) && !Cli.Confirm(warning)) return 0;
            var engine = Cli.Engine(result);
            // In docker's order: stopped containers first (their images and volumes are then unused).
            var containers = await new ContainerPruner(engine.Containers).PruneAsync(cancellationToken);
            ReportContainers(containers);
            long reclaimed = containers.ReclaimedBytes;
            if (result.GetValue(volumes))
            {
                var pruned = await VolumeService.For(engine, engine.Containers).PruneAsync(all: false, cancellationToken: cancellationToken);
                ReportVolumes(pruned);
                reclaimed += pruned.ReclaimedBytes;
            }
            var images = await engine.Images.PruneAsync(everything, cancellationToken);
            ReportImages(images);
            reclaimed += images.ReclaimedBytes;
            // All of the build cache with -a, as docker; else the unpacked layers nothing needs any more.
            reclaimed += everything ? (await new BuildCachePruner(engine).PruneAsync(keepBytes: null, cancellationToken)).ReclaimedBytes
                : await new SnapshotPruner(engine).PruneAsync(cancellationToken);
            Cli.Out.WriteLine("Total reclaimed space: " + Units.HumanSize(reclaimed));
            return 0;
        });
    }

    internal static void ReportVolumes(VolumePruneResult pruned)
    {
        if (pruned.Deleted.Count == 0) return;
        Cli.Out.WriteLine("Deleted Volumes:");
        foreach (var name in pruned.Deleted) Cli.Out.WriteLine(name);
        Cli.Out.WriteLine();
    }

    private static void ReportImages(PruneResult result)
    {
        if (result.DeletedImages.Count == 0) return;
        Cli.Out.WriteLine("Deleted Images:");
        foreach (var id in result.DeletedImages) Cli.Out.WriteLine("deleted: " + id);
        Cli.Out.WriteLine();
    }
}
