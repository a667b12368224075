using System.CommandLine;
using System.Text;
using Kist.Runtime.Logs;

namespace Kist.Cli.Commands;

/// <summary><c>kist logs [-f] [--tail N] [-t]</c>: a container's output from its json-file log, stdout and stderr apart.</summary>
internal static class LogsCommand
{
    public static Command Create(string name = "logs")
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Follow log output" };
        var tail = new Option<string?>("--tail", "-n") { Description = "Number of lines to show from the end of the logs (default \"all\")" };
        var timestamps = new Option<bool>("--timestamps", "-t") { Description = "Show timestamps" };
        var container = new Argument<string>("CONTAINER");
        var command = new Command(name, "Fetch the logs of a container") { follow, tail, timestamps, container };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            var record = engine.Containers.Find(result.GetValue(container)!);
            int? lines = result.GetValue(tail) is { } t && t != "all"
                ? int.TryParse(t, out int n) ? n : throw new Kist.Oci.InvalidInputException($"invalid value for --tail: {t}")
                : null;
            using var stdout = Console.OpenStandardOutput();
            using var stderr = Console.OpenStandardError();
            bool ts = result.GetValue(timestamps);
            await foreach (var entry in engine.Containers.LogsAsync(record, lines, result.GetValue(follow), cancellationToken))
            {
                var target = entry.Stream == "stderr" ? stderr : stdout;
                target.Write(Encoding.UTF8.GetBytes(JsonLogReader.Text(entry, ts)));
                target.Flush();
            }
            return 0;
        });
    }
}
