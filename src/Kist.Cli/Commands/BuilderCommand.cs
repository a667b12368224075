using System.CommandLine;
using Kist.Cli.Formatting;
using Kist.Engine.Build;

namespace Kist.Cli.Commands;

/// <summary><c>kist builder prune [-a] [-f] [--keep-storage SIZE]</c>: bounds the build cache's disk use.</summary>
internal static class BuilderCommand
{
    public static Command Create()
    {
        var all = new Option<bool>("--all", "-a") { Description = "Remove all unused build cache, not just dangling ones" };
        var force = new Option<bool>("--force", "-f") { Description = "Do not prompt for confirmation" };
        var keep = new Option<string?>("--keep-storage") { Description = "Amount of disk space to keep for cache" };
        var prune = new Command("prune", "Remove build cache") { all, force, keep };
        prune.WithAction(async (result, cancellationToken) =>
        {
            long? keepBytes = result.GetValue(keep) is { } k ? BuildCachePruner.ParseSize(k) : null;
            if (!result.GetValue(force) && !Cli.Confirm("WARNING! This will remove all dangling build cache.")) return 0;
            var pruned = await new BuildCachePruner(Cli.Engine(result)).PruneAsync(keepBytes, cancellationToken);
            Cli.Out.WriteLine("Total:\t" + Units.HumanSize(pruned.ReclaimedBytes));
            return 0;
        });
        return new Command("builder", "Manage builds") { prune };
    }
}
