using System.CommandLine;
using Kist.Cli.Formatting;
using Kist.Content;

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
            var usage = await Cli.Engine(result).Images.DiskUsageAsync(cancellationToken);
            string percent = usage.ImagesSize == 0 ? "" : $" ({usage.ReclaimableSize * 100 / usage.ImagesSize}%)";
            formatter.Write(Cli.Out, result.GetValue(format),
            [
                Row("Images", usage.Images, usage.ActiveImages, Units.HumanSize(usage.ImagesSize), Units.HumanSize(usage.ReclaimableSize) + percent),
                Row("Containers", 0, 0, "0B", "0B"),
                Row("Local Volumes", 0, 0, "0B", "0B"),
                Row("Build Cache", 0, 0, "0B", "0B"),
            ]);
            return 0;
        });

        static Dictionary<string, string> Row(string type, int total, int active, string size, string reclaimable) => new()
        {
            ["Type"] = type, ["TotalCount"] = total.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Active"] = active.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Size"] = size, ["Reclaimable"] = reclaimable,
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
