using System.CommandLine;
using System.Text.RegularExpressions;
using Kist.Cli.Formatting;
using Kist.Engine.Containers;
using Kist.Oci;
using Kist.Runtime.State;

namespace Kist.Cli.Commands;

/// <summary><c>kist ps</c> / <c>kist container ls</c>: containers as docker lists them.</summary>
internal static class PsCommand
{
    private static readonly RowFormatter Formatter = new(
        "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}",
        new Dictionary<string, string>
        {
            ["ID"] = "CONTAINER ID", ["Image"] = "IMAGE", ["Command"] = "COMMAND", ["RunningFor"] = "CREATED",
            ["CreatedAt"] = "CREATED AT", ["Status"] = "STATUS", ["Ports"] = "PORTS", ["Names"] = "NAMES", ["State"] = "STATE",
            ["Labels"] = "LABELS", ["Mounts"] = "MOUNTS", ["Networks"] = "NETWORKS", ["Size"] = "SIZE", ["LocalVolumes"] = "LOCAL VOLUMES",
        });

    public static Command Create(string name = "ps")
    {
        var all = new Option<bool>("--all", "-a") { Description = "Show all containers (default shows just running)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display container IDs" };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Don't truncate output" };
        var format = new Option<string?>("--format") { Description = "Format output using a Go template, 'table', 'table TEMPLATE' or 'json'" };
        var filters = Cli.Repeatable("Filter output (status, name, id, label, exited)", "--filter", "-f");
        var latest = new Option<bool>("--latest", "-l") { Description = "Show the latest created container" };
        var command = new Command(name, "List containers") { all, quiet, noTrunc, format, filters, latest };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var filterList = result.GetValue(filters) ?? [];
            var matches = Filter(filterList);
            var views = await Cli.Engine(result).Containers.ListAsync(cancellationToken);
            bool showAll = result.GetValue(all) || filterList.Length > 0 || result.GetValue(latest);
            var rows = views.Where(v => showAll || v.State.Running).Where(matches).ToList();
            if (result.GetValue(latest)) rows = rows.Take(1).ToList();
            bool full = result.GetValue(noTrunc);
            if (result.GetValue(quiet))
            {
                foreach (var v in rows) Cli.Out.WriteLine(full ? v.Record.Id : v.Record.Id[..12]);
                return 0;
            }
            Formatter.Write(Cli.Out, result.GetValue(format), rows.Select(v => Fields(v, full)));
            return 0;
        });
    }

    private static readonly string[] Statuses = ["created", "restarting", "running", "removing", "paused", "exited", "dead"];

    /// <summary>
    /// docker's filters, checked before any container is looked at: the values of one key are alternatives (any may
    /// match), except labels, which must all match; different keys must all match. A name is a regular expression
    /// (RE2, as Go's), matched against the name with and without docker's leading slash.
    /// </summary>
    private static Func<ContainerView, bool> Filter(string[] filters)
    {
        var byKey = new Dictionary<string, List<Func<ContainerView, bool>>>(StringComparer.Ordinal);
        foreach (var filter in filters)
        {
            int eq = filter.IndexOf('=');
            if (eq < 0) throw new InvalidInputException($"bad format of filter (expected name=value): {filter}");
            string key = filter[..eq], value = filter[(eq + 1)..];
            if (!byKey.TryGetValue(key, out var tests)) byKey[key] = tests = [];
            tests.Add(Test(key, value));
        }
        return v => byKey.All(kv => kv.Key == "label" ? kv.Value.All(test => test(v)) : kv.Value.Any(test => test(v)));
    }

    private static Func<ContainerView, bool> Test(string key, string value) => key switch
    {
        "status" => Statuses.Contains(value) ? v => StateName(v.State) == value : throw new InvalidInputException($"Invalid filter 'status={value}'"),
        "name" => NamePattern(value),
        "id" => v => v.Record.Id.StartsWith(value, StringComparison.Ordinal),
        "exited" => v => v.State.Status == ContainerStatus.Exited && v.State.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) == value,
        "label" => value.IndexOf('=') is int le && le >= 0
            ? v => v.Record.Config.Labels.TryGetValue(value[..le], out var lv) && lv == value[(le + 1)..]
            : v => v.Record.Config.Labels.ContainsKey(value),
        "ancestor" => v => v.Record.ImageName == value || v.Record.Image.Contains(value, StringComparison.Ordinal),
        _ => throw new InvalidInputException($"invalid filter '{key}'"),
    };

    private static Func<ContainerView, bool> NamePattern(string pattern)
    {
        try
        {
            var regex = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            return v => regex.IsMatch(v.Record.Name) || regex.IsMatch("/" + v.Record.Name);
        }
        catch (ArgumentException)
        {
            return v => v.Record.Name.Contains(pattern, StringComparison.Ordinal); // not a pattern .NET's engine takes: a substring
        }
    }

    private static string StateName(ContainerState s) => s.Status;

    /// <summary>"Up 3 seconds", "Exited (0) 2 seconds ago", "Created".</summary>
    public static string Status(ContainerState s) => s.Status switch
    {
        ContainerStatus.Running => "Up " + Units.HumanDuration(DateTimeOffset.UtcNow - (s.StartedAt ?? DateTimeOffset.UtcNow)),
        ContainerStatus.Exited => $"Exited ({s.ExitCode}) " + Units.Ago(s.FinishedAt),
        ContainerStatus.Removing => "Removal In Progress",
        _ => "Created",
    };

    public static string Command(ContainerRecord r, bool full)
    {
        string command = string.Join(' ', new[] { r.Path }.Concat(r.Args));
        return "\"" + (full ? command : Units.Ellipsis(command, 20)) + "\"";
    }

    public static string Ports(ContainerRecord r) => string.Join(", ", r.HostConfig.PortBindings.Select(p =>
        $"{(p.HostIp.Length > 0 ? p.HostIp : "0.0.0.0")}:{p.HostPort}->{p.ContainerPort}/{p.Protocol}"));

    private static Dictionary<string, string> Fields(ContainerView v, bool full) => new()
    {
        ["ID"] = full ? v.Record.Id : v.Record.Id[..12],
        ["Image"] = v.Record.ImageName,
        ["Command"] = Command(v.Record, full),
        ["RunningFor"] = Units.Ago(v.Record.Created),
        ["CreatedAt"] = Units.CreatedAt(v.Record.Created),
        ["Status"] = Status(v.State),
        ["State"] = v.State.Status,
        ["Ports"] = Ports(v.Record),
        ["Names"] = v.Record.Name,
        ["Labels"] = string.Join(',', v.Record.Config.Labels.Select(l => $"{l.Key}={l.Value}")),
        ["Mounts"] = string.Join(',', v.Record.Mounts.Select(m => m.Name ?? m.Source)),
        ["Networks"] = v.Record.HostConfig.NetworkMode,
        ["Size"] = "",
        ["LocalVolumes"] = v.Record.Mounts.Count(m => m.Type == "volume").ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
