using System.CommandLine;
using Kist.Cli.Formatting;
using Kist.Build.Cache;
using Kist.Content;
using Kist.Engine.Containers;
using Kist.Engine;
using Kist.Engine.Volumes;

namespace Kist.Cli.Commands;

/// <summary><c>kist system df|prune|check</c>.</summary>
internal static class SystemCommand
{
    public static Command Create() => new("system", "Manage Kist")
    {
        DiskUsage(),
        PruneCommand.CreateSystemPrune(),
        Check(),
    };

    private static Command DiskUsage()
    {
        var format = new Option<string?>("--format") { Description = "Format output using a Go template, or 'json'" };
        var command = new Command("df", "Show Kist disk usage") { format };
        var formatter = new RowFormatter(
            "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
            new Dictionary<string, string> { ["Type"] = "TYPE", ["TotalCount"] = "TOTAL", ["Active"] = "ACTIVE", ["Size"] = "SIZE", ["Reclaimable"] = "RECLAIMABLE" });
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            var images = await engine.Images.DiskUsageAsync(cancellationToken);
            var containers = await new ContainerPruner(engine.Containers).DiskUsageAsync(cancellationToken);
            var volumes = await VolumeService.For(engine, engine.Containers).DiskUsageAsync(cancellationToken);
            var (records, cacheBytes) = new BuildCache(engine.Layout, engine.Content).Usage();
            formatter.Write(Cli.Out, result.GetValue(format),
            [
                Row("Images", images),
                Row("Containers", containers),
                Row("Local Volumes", volumes),
                Row("Build Cache", new DiskUsageRow(records, 0, cacheBytes, cacheBytes), percent: false), // as docker prints it
            ]);
            return 0;
        });

        static Dictionary<string, string> Row(string type, DiskUsageRow row, bool percent = true) => new()
        {
            ["Type"] = type, ["TotalCount"] = row.Total.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Active"] = row.Active.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Size"] = Units.HumanSize(row.Size),
            ["Reclaimable"] = Units.HumanSize(row.Reclaimable) + (row.Size == 0 || !percent ? "" : $" ({row.Reclaimable * 100 / row.Size}%)"),
        };
    }

    private static Command Check()
    {
        var command = new Command("check", "Verify every blob and every reference of the store");
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            var report = await new StoreChecker(engine.ImageStore).CheckAsync(cancellationToken);
            foreach (var problem in report.Problems) Cli.Out.WriteLine(problem);
            Cli.Out.WriteLine($"Checked {report.BlobsVerified} blobs and {report.ReferencesChecked} references "
                + $"({report.UnreferencedBlobs} blobs unreferenced): "
                + (report.Problems.Count == 0 ? "no problems found" : $"{report.Problems.Count} problems found"));
            return report.Problems.Count == 0 ? 0 : ExitCodes.Failure;
        });
    }
}
