using System.CommandLine;
using Kist.Engine.Containers;

namespace Kist.Cli.Commands;

/// <summary><c>kist diff</c>: the files a container added (A), changed (C) and deleted (D), as docker prints them.</summary>
internal static class DiffCommand
{
    public static Command Create(string name = "diff")
    {
        var container = new Argument<string>("CONTAINER");
        var command = new Command(name, "Inspect changes to files or directories on a container's filesystem") { container };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            var record = engine.Containers.Find(result.GetValue(container)!);
            var files = new ContainerFilesystem(engine.Containers.Runtime);
            var (layer, release) = await files.ReadWriteLayerAsync(record, cancellationToken);
            List<Change> changes;
            try { changes = ContainerChanges.List(layer); }
            finally { await release(); }
            foreach (var change in changes) Cli.Out.WriteLine(change.ToString());
            return 0;
        });
    }
}
