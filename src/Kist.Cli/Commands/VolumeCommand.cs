using System.CommandLine;
using System.Text;
using System.Text.Json;
using Kist.Cli.Formatting;
using Kist.Engine.Volumes;
using Kist.Oci;
using Kist.Runtime.Volumes;

namespace Kist.Cli.Commands;

/// <summary><c>kist volume create|ls|inspect|rm|prune</c>: docker's local volumes under <c>ROOT/volumes</c>.</summary>
internal static class VolumeCommand
{
    private static readonly RowFormatter Formatter = new(
        "table {{.Driver}}\t{{.Name}}",
        new Dictionary<string, string>
        {
            ["Driver"] = "DRIVER", ["Name"] = "VOLUME NAME", ["Labels"] = "LABELS", ["Mountpoint"] = "MOUNTPOINT",
            ["Scope"] = "SCOPE", ["Size"] = "SIZE", ["Links"] = "LINKS", ["Availability"] = "AVAILABILITY",
            ["Group"] = "GROUP", ["Status"] = "STATUS",
        });

    /// <summary>
    /// The service for a command line. The container service answers "in use" once it is wired in
    /// (<see cref="UsageFactory"/>); until then no volume is in use.
    /// </summary>
    public static Func<ParseResult, IVolumeUsage>? UsageFactory { get; set; }

    private static VolumeService Service(ParseResult result)
    {
        var engine = Cli.Engine(result);
        return VolumeService.For(engine, UsageFactory?.Invoke(result) ?? engine.Containers);
    }

    public static Command Create() => new("volume", "Manage volumes")
    {
        CreateCommand(),
        ListCommand(),
        InspectCommand(),
        RemoveCommand(),
        PruneCommand(),
    };

    private static Command CreateCommand()
    {
        var driver = new Option<string?>("--driver", "-d") { Description = "Specify volume driver name (local)" };
        var labels = Cli.Repeatable("Set metadata for a volume", "--label");
        var name = new Argument<string?>("VOLUME") { Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("create", "Create a volume") { driver, labels, name };
        return command.WithAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(driver) is { } d && d != VolumeService.Driver) throw new InvalidInputException($"create: volume driver \"{d}\" is not supported (only \"local\")");
            var volume = await Service(result).CreateAsync(result.GetValue(name), ParseLabels(result.GetValue(labels) ?? []), cancellationToken);
            Cli.Out.WriteLine(volume.Name);
            return 0;
        });
    }

    private static Command ListCommand()
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display volume names" };
        var format = new Option<string?>("--format") { Description = "Format output using a Go template, 'table', 'table TEMPLATE' or 'json'" };
        var filters = Cli.Repeatable("Provide filter values (e.g. 'dangling=true')", "--filter", "-f");
        var command = new Command("ls", "List volumes") { quiet, format, filters };
        command.Aliases.Add("list");
        return command.WithAction(async (result, cancellationToken) =>
        {
            var volumes = await Service(result).ListAsync(result.GetValue(filters) ?? [], cancellationToken);
            if (result.GetValue(quiet))
            {
                foreach (var volume in volumes) Cli.Out.WriteLine(volume.Name);
                return 0;
            }
            Formatter.Write(Cli.Out, result.GetValue(format), volumes.Select(Fields));
            return 0;
        });
    }

    private static Command InspectCommand()
    {
        var format = new Option<string?>("--format", "-f") { Description = "Format output using a Go template, or 'json'" };
        var names = new Argument<string[]>("VOLUME") { CustomParser = Cli.Values, Arity = ArgumentArity.OneOrMore };
        var command = new Command("inspect", "Display detailed information on one or more volumes") { format, names };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var service = Service(result);
            var found = new List<Volume>();
            int exitCode = 0;
            foreach (var name in result.GetValue(names)!)
            {
                try
                {
                    found.Add(await service.GetAsync(name, cancellationToken));
                }
                catch (NotFoundException e)
                {
                    Cli.Error.WriteLine("Error: " + e.Message);
                    exitCode = ExitCodes.Failure;
                }
            }
            byte[] json = VolumeService.ToJson(found);
            string? fmt = result.GetValue(format);
            if (string.IsNullOrEmpty(fmt) || fmt == "json")
            {
                if (found.Count > 0 || exitCode == 0) Cli.Out.WriteLine(Encoding.UTF8.GetString(json));
                return exitCode;
            }
            var template = GoTemplate.Parse(RowFormatter.Unescape(fmt));
            using var doc = JsonDocument.Parse(json);
            foreach (var element in doc.RootElement.EnumerateArray()) Cli.Out.WriteLine(template.Execute(element));
            return exitCode;
        });
    }

    private static Command RemoveCommand()
    {
        var force = new Option<bool>("--force", "-f") { Description = "Force the removal of one or more volumes" };
        var names = new Argument<string[]>("VOLUME") { CustomParser = Cli.Values, Arity = ArgumentArity.OneOrMore };
        var command = new Command("rm", "Remove one or more volumes") { force, names };
        command.Aliases.Add("remove");
        return command.WithAction(async (result, cancellationToken) =>
        {
            var service = Service(result);
            int exitCode = 0;
            foreach (var name in result.GetValue(names)!)
            {
                try
                {
                    await service.RemoveAsync(name, result.GetValue(force), cancellationToken);
                    Cli.Out.WriteLine(name);
                }
                catch (KistException e)
                {
                    // docker goes on with the other volumes and fails at the end.
                    Cli.Error.WriteLine("Error: " + e.Message);
                    exitCode = ExitCodes.Failure;
                }
            }
            return exitCode;
        });
    }

    private static Command PruneCommand()
    {
        var all = new Option<bool>("--all", "-a") { Description = "Remove all unused volumes, not just anonymous ones" };
        var force = new Option<bool>("--force", "-f") { Description = "Do not prompt for confirmation" };
        var filters = Cli.Repeatable("Provide filter values (e.g. 'label=<label>')", "--filter");
        var command = new Command("prune", "Remove unused local volumes") { all, force, filters };
        return command.WithAction(async (result, cancellationToken) =>
        {
            bool everything = result.GetValue(all);
            string warning = everything
                ? "WARNING! This will remove all local volumes not used by at least one container."
                : "WARNING! This will remove anonymous local volumes not used by at least one container.";
            var service = Service(result);
            var specs = result.GetValue(filters) ?? [];
            VolumeFilter.Parse(specs, pruning: true);
            if (!result.GetValue(force) && !Cli.Confirm(warning)) return 0;
            var pruned = await service.PruneAsync(everything, specs, cancellationToken);
            Commands.PruneCommand.ReportVolumes(pruned);
            Cli.Out.WriteLine("Total reclaimed space: " + Units.HumanSize(pruned.ReclaimedBytes));
            return 0;
        });
    }

    private static Dictionary<string, string> ParseLabels(string[] specs)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            int eq = spec.IndexOf('=');
            labels[eq < 0 ? spec : spec[..eq]] = eq < 0 ? "" : spec[(eq + 1)..];
        }
        return labels;
    }

    private static Dictionary<string, string> Fields(Volume volume) => new()
    {
        ["Availability"] = "N/A",
        ["Driver"] = VolumeService.Driver,
        ["Group"] = "N/A",
        ["Labels"] = string.Join(",", volume.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)),
        ["Links"] = "N/A",
        ["Mountpoint"] = volume.Mountpoint,
        ["Name"] = volume.Name,
        ["Scope"] = "local",
        ["Size"] = "N/A",
        ["Status"] = "N/A",
    };
}
